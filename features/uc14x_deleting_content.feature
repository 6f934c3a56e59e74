Feature: UC 14X - edit and delete content (redaction and replacement), same and other homeserver

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    And Alice creates the room "Deletions"
    And Alice invites Carol into the room "Deletions"
    And Carol joins the room "Deletions"

  Scenario: An edited message keeps its id and shows only the new text everywhere
    When Alice sends "first version" into the room "Deletions"
    And Alice edits the last own message in the room "Deletions" to "second version"
    Then Carol lists "second version" from Alice in the room "Deletions" exactly once under its original id
    And Carol no longer sees "first version" from Alice in the room "Deletions"

  Scenario: Deleting an edited message by redaction removes original and edits for both sides
    When Alice sends "to be redacted" into the room "Deletions"
    And Alice edits the last own message in the room "Deletions" to "edited, then redacted"
    And Carol sees "edited, then redacted" from Alice in the room "Deletions"
    And Alice deletes "edited, then redacted" in the room "Deletions" by redaction
    Then Alice no longer sees "edited, then redacted" from Alice in the room "Deletions"
    And Carol no longer sees "edited, then redacted" from Alice in the room "Deletions"
    And Carol no longer sees "to be redacted" from Alice in the room "Deletions"

  Scenario: Deleting by replacement removes the text for both sides, also after re-login
    When Carol sends "to be replaced" into the room "Deletions"
    And Alice sees "to be replaced" from Carol in the room "Deletions"
    And Carol deletes "to be replaced" in the room "Deletions" by replacement
    Then Alice no longer sees "to be replaced" from Carol in the room "Deletions"
    When Alice logs out
    And Alice logs in again
    Then Alice no longer sees "to be replaced" from Carol in the room "Deletions"
