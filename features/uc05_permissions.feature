Feature: UC 05 / 06X / ePA 05X - permission management, enforced by the homeservers
  The client writes the TI-M permission config; the invite checker of the invitee's homeserver
  refuses what it forbids, and the inviting client answers 403.

  Background:
    Given the APIs "hs1-pro", "hs2-pro" and "hs3-epa" are cleaned up

  Scenario: Lists are edited only in their mode, keep their entries and survive logout
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    Then the authorization mode of Alice is "AllowAll"
    And putting Bob on the allowed list of Alice is refused with status 403
    And taking Bob off the allowed list of Alice is refused with status 403
    When Alice puts Bob on the blocked list
    And Alice puts Bob on the blocked list
    Then the blocked list of Alice contains Bob
    And the allowed list of Alice does not contain Bob
    When Alice sets the authorization mode to "BlockAll"
    Then putting Bob on the blocked list of Alice is refused with status 403
    And the blocked list of Alice contains Bob
    When Alice puts the server of Bob on the allowed list
    And Alice logs out
    And Alice logs in again
    Then the authorization mode of Alice is "BlockAll"
    And the allowed list of Alice contains the server of Bob
    When Alice sets the authorization mode to "AllowAll" as plain text
    Then the blocked list of Alice contains Bob
    And taking the server of Bob off the allowed list of Alice is refused with status 403
    When Alice takes Bob off the blocked list
    Then the blocked list of Alice does not contain Bob
    And setting the authorization mode of Alice to "AllowSome" is refused with status 400

  Scenario: A blocked user's invites and direct messages are refused across homeservers
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Alice creates the room "Blocked"
    When Bob puts Alice on the blocked list
    Then Alice cannot invite Bob into the room "Blocked"
    And Alice cannot write directly to Bob
    And Alice is a member of the room "Blocked" only
    When Bob takes Alice off the blocked list
    Then Alice invites Bob into the room "Blocked"

  Scenario: BlockAll lets only the allowed server in, within one homeserver too
    Given Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Alice creates the room "Allow list"
    And Bob creates the room "Remote"
    When Carol sets the authorization mode to "BlockAll"
    Then Alice cannot invite Carol into the room "Allow list"
    When Carol puts the server of Bob on the allowed list
    Then Bob invites Carol into the room "Remote"
    And Alice cannot invite Carol into the room "Allow list"
    When Carol puts Alice on the allowed list
    Then Alice invites Carol into the room "Allow list"

  Scenario: Server names on the lists are enforced in AllowAll and in BlockAll
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Carol claims a device on "hs1-pro" and logs in
    And Bob creates the room "From hs2"
    And Carol creates the room "From hs1"
    When Alice puts the server of Bob on the blocked list
    Then Bob cannot invite Alice into the room "From hs2"
    And Carol invites Alice into the room "From hs1"
    When Alice sets the authorization mode to "BlockAll"
    And Alice puts the server of Bob on the allowed list
    Then Bob invites Alice into the room "From hs2"
    When Carol creates the room "From hs1 again"
    Then Carol cannot invite Alice into the room "From hs1 again"

  Scenario: The ePA API describes an insured persons' client with at least 3 devices
    Then the API "hs3-epa" describes a V3 ePA client of homeserver "https://127.0.0.13:8448"
    And the API "hs3-epa" offers at least 3 devices

  Scenario: Pro and ePA talk to each other, insured persons never invite each other
    Given Alice claims a device on "hs1-pro" and logs in
    And Erika claims a device on "hs3-epa" and logs in
    And Emil claims a device on "hs3-epa" and logs in
    And Alice creates the room "Praxis"
    And Erika creates the room "Versicherte"
    Then Alice invites Erika into the room "Praxis"
    And Erika cannot invite Emil into the room "Versicherte"
    And Erika does not find Emil on the homeserver
    When Erika joins the room "Praxis"
    And Alice sends "Ihr Befund ist da" into the room "Praxis"
    Then Erika sees "Ihr Befund ist da" from Alice in the room "Praxis"

  Scenario: A Pro user blocks all insured persons as a group; ePA has no groups
    Given Alice claims a device on "hs1-pro" and logs in
    And Erika claims a device on "hs3-epa" and logs in
    And Erika creates the room "Anfrage"
    When Alice puts the insured persons on the blocked list
    Then the blocked list of Alice contains the insured persons
    And Erika cannot invite Alice into the room "Anfrage"
    And putting the insured persons on the blocked list of Erika is refused with status 400
    When Alice takes the insured persons off the blocked list
    Then Erika invites Alice into the room "Anfrage"

  Scenario: An ePA client refuses rooms the ePA rules forbid (A_26015-02)
    Given Erika claims a device on "hs3-epa" and logs in
    And Erika creates the room "Privat"
    Then creating a public room is refused for Erika with status 403
    And creating an unencrypted private room is refused for Erika with status 403
    And setting the property "historyVisibility" of the room "Privat" to "world_readable" is refused for Erika with status 403
    And setting the property "joinRule" of the room "Privat" to "public" is refused for Erika with status 403
    And the homeserver of Erika refuses its public room directory without a token with status 403
