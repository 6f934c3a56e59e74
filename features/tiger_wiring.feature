Feature: gematik's suite wiring (config/tiger)
  The combination plugin derives each item's tags from its live GET / and checks its devices;
  the V3 scenario outlines then need these combinations to exist.

  Scenario: The committed combine items allow gematik's V3 combinations
    Given the combine items of config/tiger/combine_items.json, each read live from this driver
    Then every item passes the plugin's device check
    And two proClientV3 items are on distinct homeservers
    And an item tagged epaClientV3 exists
    And an orgAdmin item reports exactly the homeserver of a proClientV3 item
    And an item tagged practitioner exists
