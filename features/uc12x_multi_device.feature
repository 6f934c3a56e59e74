Feature: UC 12X - a second device reads earlier messages after importing the recovery key

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up

  Scenario: Key export before the messages, import on a second device afterwards
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    When Bob exports the recovery key
    Then the homeserver shows Bob's device signed by the account's cross-signing key
    And Bob exports the recovery key again and gets the same key
    When Alice writes directly to Bob "first secret"
    And Bob joins the chat with Alice
    And Bob writes directly to Alice "my own answer"
    And Alice writes directly to Bob "second secret"
    And Bob sees "second secret" from Alice in the chat with Alice
    And Bob2 claims a device on "hs2-pro" and logs into the account of Bob
    And Bob2 imports the recovery key of Bob
    And Bob logs out
    Then Bob2 sees "first secret" from Alice in the chat with Alice
    And Bob2 exports the recovery key and gets the key of Bob
    And Bob2 sees "second secret" from Alice in the chat with Alice
    And Bob2 sees "my own answer" from Bob in the chat with Alice

  # 12X.01.02 failed once in a full run: the second device's store still held a chat that
  # the account had left and forgotten on another device (the suite's teardown) meanwhile.
  Scenario: A device does not list a chat its account left and forgot elsewhere (12X.01.02)
    Given Alice claims a device on "hs1-pro" and logs in
    And Bob claims a device on "hs2-pro" and logs in
    And Bob2 claims a device on "hs2-pro" and logs into the account of Bob
    When Alice writes directly to Bob "old chat"
    And Bob joins the chat with Alice
    And Bob2 sees "old chat" from Alice in the chat with Alice
    And Bob2 logs out
    And Bob leaves and forgets the chat with Alice
    And Alice leaves and forgets the chat with Bob
    And Bob2 logs in again
    And Alice writes directly to Bob "new chat"
    And Bob joins the chat with Alice
    Then Bob2 has exactly one chat with Alice
    And Bob2 sees "new chat" from Alice in the chat with Alice
