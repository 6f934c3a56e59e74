Feature: UC 11X/15X - message types and encrypted attachments across homeservers

  Background:
    Given the APIs "hs1-pro" and "hs2-pro" are cleaned up
    And Alice claims a device on "hs1-pro" and logs in
    And Carol claims a device on "hs2-pro" and logs in
    And Alice creates the room "Types"
    And Alice invites Carol into the room "Types"
    And Carol joins the room "Types"

  Scenario: Text, notice, emote (formatted) and location arrive with their type
    When Alice sends "plain text" as "m.text" into the room "Types"
    And Alice sends "a notice" as "m.notice" into the room "Types"
    And Alice sends "waves" as "m.emote" into the room "Types"
    And Alice sends "Brandenburger Tor" as "m.location" into the room "Types"
    Then Carol sees "plain text" as "m.text" from Alice in the room "Types"
    And Carol sees "a notice" as "m.notice" from Alice in the room "Types"
    And Carol sees "waves" as "m.emote" from Alice in the room "Types"
    And Carol sees "Brandenburger Tor" as "m.location" from Alice in the room "Types"

  Scenario Outline: An attachment is sent encrypted and downloaded as the original bytes
    When Alice sends the file "<file>" of <size> bytes as "<msgtype>" with type "<mime>" into the room "Types"
    Then Carol downloads the file "<file>" of <size> bytes from Alice in the room "Types" unchanged

    Examples:
      | file       | size     | msgtype | mime            |
      | datei.txt  | 2000     | m.file  | text/plain      |
      | datei.pdf  | 30000    | m.file  | application/pdf |
      | TestZIP.zip| 5000     | m.file  | application/zip |
      | bild.jpg   | 40000    | m.image | image/jpeg      |
      | bild.png   | 40000    | m.image | image/png       |
      | audio.mp3  | 60000    | m.audio | audio/mpeg      |
      | audio.wav  | 60000    | m.audio | audio/wav       |
      | video.mov  | 80000    | m.video | video/quicktime |
      | video.mp4  | 26214400 | m.video | video/mp4       |
