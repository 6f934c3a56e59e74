Feature: UC 10X - homeserver API rules, checked directly at the homeserver the driver reports

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in

  Scenario: Discovery, versions, support information, no URL previews, protected profiles
    Then the homeserver of Alice speaks Matrix "v1.11"
    And the support information of the homeserver of Alice can be read but not deleted
    And the homeserver of Alice answers GET "/_matrix/client/v1/media/preview_url?url=https://example.org" with the token with status 404
    And the homeserver of Alice answers GET "/_matrix/media/v3/preview_url?url=https://example.org" with the token with status 404
    And the homeserver of Alice answers GET "/_matrix/client/v1/media/config" with the token with status 200
    And the homeserver of Alice refuses a profile request for Carol without a token with status 401

  Scenario: A sent attachment is reachable through the deprecated media API
    Given Alice creates the room "Media"
    When Alice sends the file "bild.png" of 3000 bytes as "m.image" with type "image/png" into the room "Media"
    Then the file "bild.png" sent by Alice in the room "Media" can be fetched from the homeserver with the deprecated media API
