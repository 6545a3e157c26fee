/**
 * The Carbon Black record as the vendor documents it, shared by the tests that hold the emulator and
 * the normalizer to it.
 */

/** The migration guide's record (vendor-notes §5.2), byte for byte: its eight documented fields in order, no id. */
export const CB_DOC_RECORD = `{"org_key":"ABCD1234","actor_ip":"50.215.71.123","actor":"user1@mydomain.com","request_url":null,
 "description":"Logged in successfully","flagged":false,"verbose":false,"create_time":"2023-11-02T18:13:44.276Z"}`;
