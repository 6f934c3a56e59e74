Feature: UC 16X - room history visibility

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in

  Scenario: "invited": messages before the invite stay hidden, later ones are readable
    When Alice creates the room "Invited history"
    And Alice sends "before the invite" into the room "Invited history"
    And Alice invites Carol into the room "Invited history"
    And Alice sends "after the invite" into the room "Invited history"
    And Carol joins the room "Invited history"
    Then Carol sees "after the invite" from Alice in the room "Invited history"
    And Carol no longer sees "before the invite" from Alice in the room "Invited history"

  Scenario: "joined": messages sent while only invited stay hidden
    When Alice creates the room "Joined history"
    And Alice sets the property "historyVisibility" of the room "Joined history" to "joined"
    And Alice invites Carol into the room "Joined history"
    And Alice sends "while you were invited" into the room "Joined history"
    And Carol joins the room "Joined history"
    And Alice sends "after you joined" into the room "Joined history"
    Then Carol sees "after you joined" from Alice in the room "Joined history"
    And Carol no longer sees "while you were invited" from Alice in the room "Joined history"

  Scenario: Renaming a room writes the Matrix name and its TI-M copy
    When Alice creates the room "Renamed" with the topic "old topic"
    And Alice sets the property "name" of the room "Renamed" to "Renamed room"
    And Alice sets the property "theme" of the room "Renamed" to "new topic"
    Then the state of the room "Renamed" seen by Alice carries the TI-M room type, name and topic
