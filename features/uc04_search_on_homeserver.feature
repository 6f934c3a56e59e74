Feature: UC 04/05 - finding users of the own homeserver

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs1-pro" and logs in

  Scenario: Search by MXID finds exactly the user, with the display name
    Then Alice finds Bob on the homeserver with the display name
    And Alice finds nobody on the homeserver for "@nobody-here:127.0.0.11"
    And Alice finds nobody on the homeserver for "not an mxid"

  # 06.01.09: the invitee may be an HBA practitioner account of the own homeserver.
  Scenario: Search by MXID finds a practitioner of the own homeserver (06.01.09)
    Given Dave claims a device on "hs1-practitioner" and logs in
    Then Alice finds Dave on the homeserver with the display name
