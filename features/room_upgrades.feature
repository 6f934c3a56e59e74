Feature: Room upgrades are followed transparently
  Another client upgrades a room and invites the members into the successor. Our client joins
  the successor on its own, lists only it, and keeps accepting the old room ID, with the
  history of both rooms.

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up

  Scenario: A federated room is upgraded; both members keep talking under the old room ID
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Alice creates the room "Upgrade"
    And Alice invites Bob into the room "Upgrade"
    And Bob joins the room "Upgrade"
    When Bob sends "before the upgrade" into the room "Upgrade"
    And Alice sees "before the upgrade" from Bob in the room "Upgrade"
    And Alice upgrades the room "Upgrade" on the homeserver and invites Bob into the new room
    Then Bob lists the room "Upgrade" only under its upgraded ID
    And Alice lists the room "Upgrade" only under its upgraded ID
    When Bob sends "after the upgrade" into the room "Upgrade"
    Then Alice sees "after the upgrade" from Bob in the room "Upgrade (upgraded)"
    And Alice sees "before the upgrade" from Bob in the room "Upgrade"
    And Bob sees "after the upgrade" from Bob in the room "Upgrade"
