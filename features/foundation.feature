@foundation
Feature: Foundation - claim, log in, rooms, encrypted messages, direct chats
  Drives the running test driver through the contract client against the two local
  homeservers (hs1 = 127.0.0.11, hs2 = 127.0.0.12: server names without ports), like gematik's suite does.

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up

  Scenario: The info object declares a V3 Pro client and the device pool
    Then the API "hs1-pro" describes a V3 Pro client of homeserver "https://127.0.0.11:8448"
    And the API "hs1-pro" offers at least 3 devices
    And the API "hs2-pro" describes a V3 Pro client of homeserver "https://127.0.0.12:8448"

  Scenario: One homeserver URL per homeserver, discovery answers there; the reference stand-in
    Then the APIs "hs1-pro", "hs1-orgadmin", "hs1-practitioner" and "hs1-ref" report the same homeserver
    And the homeserver of "hs1-pro" answers the client discovery
    And the homeserver of "hs2-pro" answers the client discovery
    And the API "hs1-ref" reports isReferenceImplementation true
    And the API "hs1-pro" reports isReferenceImplementation false
    And the API "hs1-orgadmin" reports isReferenceImplementation false

  Scenario: A claimed device is exclusive and answers errors in the contract's format
    Given Alice claims a device on "hs1-pro" and logs in
    Then claiming Alice's device again is refused with status 409
    And logging in on device 4711 of "hs1-pro" is refused with status 404
    And sending malformed JSON to Alice's login is refused with status 400

  Scenario: Encrypted messages within one homeserver
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs1-pro" and logs in
    When Alice creates the room "Team"
    Then the room "Team" of Alice has the TI-M defaults
    When Alice invites Bob into the room "Team"
    And Bob joins the room "Team"
    And Alice sends "Hello Bob" into the room "Team"
    Then Bob sees "Hello Bob" from Alice in the room "Team"

  Scenario: Encrypted messages across both homeservers, also after logout and re-login
    Given Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Alice creates the room "Federated"
    And Alice invites Carol into the room "Federated"
    And Carol joins the room "Federated"
    And Alice sends "Hello Carol" into the room "Federated"
    Then Carol sees "Hello Carol" from Alice in the room "Federated"
    When Carol logs out
    And Alice sends "Sent while you were away" into the room "Federated"
    And Carol logs in again
    Then Carol sees "Sent while you were away" from Alice in the room "Federated"

  Scenario: A direct message invites first, and the chat is reused in both directions
    Given Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Alice writes directly to Carol "Hi Carol"
    Then Alice lists a chat with Carol in which Alice is "join" and Carol is "invite"
    When Carol joins the chat with Alice
    Then Carol sees "Hi Carol" from Alice in the chat with Alice
    When Carol writes directly to Alice "Hi Alice"
    Then Alice sees "Hi Alice" from Carol in the chat with Carol
    And Alice has exactly one chat with Carol

  Scenario: Leaving keeps the room listed, forgetting removes it at once
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs1-pro" and logs in
    When Alice creates the room "Goodbye"
    And Alice invites Bob into the room "Goodbye"
    And Bob joins the room "Goodbye"
    And Bob leaves the room "Goodbye"
    Then Bob lists the room "Goodbye" with own membership "leave"
    When Bob forgets the room "Goodbye"
    Then Bob does not list the room "Goodbye"
