Feature: TI-M 1.1.x contact management ("Freigabeliste"), enforced by a 1.1 Fachdienst
  hs4 runs synapse-invite-checker 0.2.2: a remote user may invite only while the invitee's
  contact setting for them is in its invite window (nobody is listed in the VZD here).

  Background:
    Given the APIs "hs2-pro" and "hs4-pro11" are cleaned up

  Scenario: Only a contact with an open invite window may invite
    Given Anna claims a device on "hs4-pro11" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Bob creates the room "Kontakt"
    Then Bob cannot invite Anna into the room "Kontakt"
    When Anna allows Bob to invite them only from tomorrow
    Then Bob cannot invite Anna into the room "Kontakt"
    When Anna allows Bob to invite them for the next hour
    Then the contacts of Anna list Bob with that invite window
    And the Fachdienst of Anna stores the display name of Bob with the contact
    And Bob invites Anna into the room "Kontakt"
    When Anna removes the contact setting for Bob
    Then the contacts of Anna do not list Bob
    And removing the contact setting for Bob is refused for Anna with status 404

  Scenario: A V3 client has no contact management
    Given Alice claims a device on "hs1-pro" and logs in
    Then reading the contacts of Alice is refused with status 404
