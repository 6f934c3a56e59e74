Feature: UC 09X - room states and room version seen from the other homeserver

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in

  Scenario: A group room carries the TI-M type and identical name/topic copies
    When Alice creates the room "Stateful" with the topic "what we talk about"
    And Alice invites Carol into the room "Stateful"
    And Carol joins the room "Stateful"
    Then the state of the room "Stateful" seen by Carol carries the TI-M room type, name and topic
    And the room "Stateful" of Carol has the TI-M defaults
