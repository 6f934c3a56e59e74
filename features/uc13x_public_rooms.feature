Feature: UC 13X - public rooms (TI-M Pro)

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in

  Scenario: A public room is found and joined on the own homeserver only
    When Alice creates the public room "Lobby"
    And Alice sends "welcome" into the room "Lobby"
    Then Bob finds the room "Lobby" in the room list
    And reading the room "Lobby" without joining is refused for Bob with status 403
    And Carol does not find the room "Lobby" in the room list
    When Bob joins the room "Lobby"
    Then Bob sees "welcome" from Alice in the room "Lobby"

  Scenario: A world_readable public room can be read without joining
    When Alice creates the public room "Notice board"
    And Alice sets the property "historyVisibility" of the room "Notice board" to "world_readable"
    And Alice sends "read me" into the room "Notice board"
    Then Bob sees "read me" from Alice in the room "Notice board"
    # 13X.01.03: the glue cross-checks the members of a room the reader only peeked into.
    And Bob lists the room "Notice board" with Alice joined and its room version

  Scenario: Rooms cannot be made public later, and private rooms must be encrypted
    When Alice creates the room "Private"
    Then setting the property "joinRule" of the room "Private" to "public" is refused for Alice with status 400
    And setting the property "historyVisibility" of the room "Private" to "world_readable" is refused for Alice with status 403
    And creating an unencrypted private room is refused for Alice with status 403
