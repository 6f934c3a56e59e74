Feature: UC 16X - history visibility as gematik's V3 suite runs it: members who come later

  Each message's room key must reach every member the history visibility lets read it, also
  when that member's invite or join reached the sender's homeserver only just before the send.

  Background:
    Given the APIs "hs1-pro", "hs2-pro" and "hs3-epa" are cleaned up

  Scenario: Mixed "invited" then "joined" across homeservers (16X.01.14)
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Alice creates the room "TIM Testraum 1"
    And Alice sends "Testnachricht 1" into the room "TIM Testraum 1"
    And Alice invites Bob into the room "TIM Testraum 1"
    And Alice sends "Testnachricht 2" into the room "TIM Testraum 1"
    And Bob receives the invitation into the room "TIM Testraum 1"
    And Bob joins the room "TIM Testraum 1"
    And Alice sends "Testnachricht 3" into the room "TIM Testraum 1"
    Then Bob sees "Testnachricht 3" from Alice in the room "TIM Testraum 1"
    And Bob sees "Testnachricht 2" from Alice in the room "TIM Testraum 1"
    And Bob no longer sees "Testnachricht 1" from Alice in the room "TIM Testraum 1"
    When Alice sets the property "historyVisibility" of the room "TIM Testraum 1" to "joined"
    And Alice invites Carol into the room "TIM Testraum 1"
    And Alice sends "Testnachricht 4" into the room "TIM Testraum 1"
    And Carol receives the invitation into the room "TIM Testraum 1"
    And Carol joins the room "TIM Testraum 1"
    And Alice sends "Testnachricht 5" into the room "TIM Testraum 1"
    Then Carol sees "Testnachricht 5" from Alice in the room "TIM Testraum 1"
    And Carol no longer sees "Testnachricht 1" from Alice in the room "TIM Testraum 1"
    And Carol no longer sees "Testnachricht 2" from Alice in the room "TIM Testraum 1"
    And Carol no longer sees "Testnachricht 3" from Alice in the room "TIM Testraum 1"
    And Carol no longer sees "Testnachricht 4" from Alice in the room "TIM Testraum 1"

  # The invite comes from a member on another homeserver than the sender's.
  # Carol's invite of Bob reaches Alice's homeserver as a room event only after Carol's call
  # returned: Alice's homeserver persists it 0.1–0.2 s later (measured here; it received the
  # invite at once, but as an outlier outside the room's state). Sent before that, "Testnachricht
  # 2" is encrypted for the members Alice's homeserver knows (the core asks it before each send),
  # and no client could do better. So Alice waits until her device sees Bob invited, as the
  # slower steps of gematik's run give it time to.
  Scenario: "invited" with an invite by a member of another homeserver (16X.09.02)
    Given Alice claims a device on "hs3-epa" and logs in
    And Bob claims a device on "hs3-epa" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Alice creates the room "TIM Testraum 1"
    And Alice invites Carol into the room "TIM Testraum 1"
    And Carol receives the invitation into the room "TIM Testraum 1"
    And Carol joins the room "TIM Testraum 1"
    And Alice sends "Testnachricht 1" into the room "TIM Testraum 1"
    And Carol invites Bob into the room "TIM Testraum 1"
    And Alice sees Bob invited into the room "TIM Testraum 1"
    And Alice sends "Testnachricht 2" into the room "TIM Testraum 1"
    And Bob receives the invitation into the room "TIM Testraum 1"
    And Bob joins the room "TIM Testraum 1"
    And Alice sends "Testnachricht 3" into the room "TIM Testraum 1"
    Then Bob sees "Testnachricht 3" from Alice in the room "TIM Testraum 1"
    And Bob sees "Testnachricht 2" from Alice in the room "TIM Testraum 1"
    And Bob no longer sees "Testnachricht 1" from Alice in the room "TIM Testraum 1"
