Feature: Live status page for a rehearsal
  The driver's start page shows every API and device and the most recent requests, filterable
  by the suite's Transaction-Id, with a JSON twin; checked in headless Chromium.

  Scenario: The status page shows the APIs, a claimed device and one test's requests
    Given Alice claims a device on "hs1-pro" and logs in
    When Alice lists the devices of "hs1-pro" under a Transaction-Id of its own
    Then a headless browser shows every API on the status page
    And the page shows Alice's device claimed by the test, logged in as Alice
    And the page filtered by that Transaction-Id shows exactly that request
    And the JSON lines of that Transaction-Id hold that request and no secret
