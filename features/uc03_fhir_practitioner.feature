Feature: UC 02 / 03 / 08X / ePA 04X - practitioners in the directory, visibility for insured persons
  A practitioner (HBA) adds the own Matrix address to the own PractitionerRole. Pro clients
  search the directory, ePA clients the insured persons' search, which leaves out entries
  hidden from them.

  Background:
    Given the APIs "hs1-practitioner", "hs2-pro" and "hs3-epa" are cleaned up

  Scenario: Register, find by MXID and name, hide from insured persons, remove
    Given Doc claims a device on "hs1-practitioner" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    And Erika claims a device on "hs3-epa" and logs in
    When Doc authenticates at the directory
    And Doc registers the own MXID in the directory
    And Doc registers the own MXID in the directory
    Then Carol finds Doc in the directory by MXID
    And Carol finds Doc in the directory by name
    And Erika finds Doc in the directory by MXID
    And a search by Carol for an unknown practitioner is an empty bundle
    And the directory refuses a made-up OpenID token and a search without token
    When Doc hides the own MXID from insured persons
    Then the own directory entry of Doc shows the endpoint hidden from insured persons
    And Erika no longer finds Doc in the directory by MXID
    And Carol finds Doc in the directory by MXID
    When Doc shows the own MXID to insured persons again
    Then the own directory entry of Doc shows the endpoint visible to insured persons
    And Erika finds Doc in the directory by MXID
    When Doc removes the own MXID from the directory
    Then Carol no longer finds Doc in the directory by MXID

  Scenario: An organisation's endpoint hidden from insured persons is found by Pro clients only
    Given Admin claims a device on "hs1-orgadmin" and logs in
    And Bob claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    And Erika claims a device on "hs3-epa" and logs in
    When Admin creates the healthcare service "Hausarzt"
    And Admin adds an endpoint for Bob to the healthcare service "Hausarzt"
    And Admin hides the endpoint of "Hausarzt" from insured persons
    Then Carol finds Bob's endpoint in the healthcare service "Hausarzt"
    And Erika does not find Bob's endpoint in the healthcare service "Hausarzt"
    When Admin shows the endpoint of "Hausarzt" to insured persons again
    Then Erika finds Bob's endpoint in the healthcare service "Hausarzt"
    And Admin deletes the endpoint and then the healthcare service "Hausarzt"
