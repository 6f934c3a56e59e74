Feature: UC 05 - invitations into chats and rooms, as gematik's V3 suite runs them

  The suite's directory lookups ("D findet B im Healthcare-Service") are left out: they
  only produce the MXID the next step uses.

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up

  # 05.01.16: a chat that gets a third member. synapse-invite-checker (default config)
  # refuses invites into a room the inviter keeps in `m.direct` for someone else.
  Scenario: A third user is invited into a chat and joins it (05.01.16)
    Given Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs1-pro" and logs in
    And Dave claims a device on "hs2-pro" and logs in
    When Dave writes directly to Bob "Testnachricht 1"
    And Bob joins the chat with Dave
    And Bob sees "Testnachricht 1" from Dave in the chat with Dave
    And Dave calls the chat with Bob "Chat D B"
    And Dave invites Carol into the room "Chat D B"
    And Carol joins the room "Chat D B"
    Then Carol lists the room "Chat D B" with Dave, Bob and Carol joined

  # 05.01.17: the refusal must come from C's permission config.
  Scenario: A third user blocking everyone cannot be invited into a chat (05.01.17)
    Given Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs1-pro" and logs in
    And Dave claims a device on "hs2-pro" and logs in
    And Carol sets the authorization mode to "BlockAll"
    When Dave writes directly to Bob "Testnachricht 1"
    And Bob joins the chat with Dave
    And Bob sees "Testnachricht 1" from Dave in the chat with Dave
    And Dave calls the chat with Bob "Chat D B"
    Then Dave cannot invite Carol into the room "Chat D B"

  # 05.01.13 / 05.06.13: rejecting is leave (exactly 200), then forget (exactly 204), across
  # homeservers; matrix-sdk drops a declined invite's room at once.
  Scenario: Rejecting an invitation from another homeserver: leave, then forget (05.01.13)
    Given Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Carol creates the room "TIM Testraum 1"
    And Carol invites Bob into the room "TIM Testraum 1"
    And Bob receives the invitation into the room "TIM Testraum 1"
    And Bob leaves the room "TIM Testraum 1"
    And Bob forgets the room "TIM Testraum 1"
    Then Bob does not list the room "TIM Testraum 1"
