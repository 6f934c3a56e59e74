Feature: UC 01 / 08X - an organisation publishes a functional account in the VZD-FHIR-Directory
  The org admin (SMC-B) maintains a HealthcareService with an Endpoint through the client's
  owner API; clients of both homeservers find it. Runs against the project's local directory
  service, which speaks gematik's VZD paths and FHIR R4 JSON.

  Background:
    Given the APIs "hs1-orgadmin", "hs1-pro" and "hs2-pro" are cleaned up

  Scenario: Create, find, change and delete a HealthcareService with an Endpoint
    Given Admin claims a device on "hs1-orgadmin" and logs in
    And Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Admin creates the healthcare service "Kardiologie"
    And Admin adds an endpoint for Bob to the healthcare service "Kardiologie"
    Then Admin reads the endpoint of "Kardiologie" back exactly as created and linked relatively
    And Carol finds Bob's endpoint in the healthcare service "Kardiologie"
    And Bob finds Bob's endpoint in the healthcare service "Kardiologie"
    When Admin renames the endpoint of "Kardiologie"
    And Admin replaces the healthcare service "Kardiologie" with a fuller description
    Then Carol finds Bob's endpoint in the healthcare service "Kardiologie"
    And reading an unknown healthcare service as Admin is refused with status 404
    And Admin deletes the endpoint and then the healthcare service "Kardiologie"
    Then Carol no longer finds Bob's endpoint in the healthcare service "Kardiologie"

  Scenario: Two endpoints in one service, and an endpoint moved to another account
    Given Admin claims a device on "hs1-orgadmin" and logs in
    And Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    When Admin creates the healthcare service "Notaufnahme"
    And Admin adds an endpoint for Bob to the healthcare service "Notaufnahme"
    And Admin adds an endpoint for Carol to the healthcare service "Notaufnahme"
    Then the healthcare service "Notaufnahme" of Admin has 2 endpoints
    And Bob finds Carol's endpoint in the healthcare service "Notaufnahme"
    When Admin moves the endpoint of "Notaufnahme" to Admin
    Then Carol finds Admin's endpoint in the healthcare service "Notaufnahme"
    And Carol no longer finds Carol's endpoint in the healthcare service "Notaufnahme"
    And Admin deletes the endpoint and then the healthcare service "Notaufnahme"
