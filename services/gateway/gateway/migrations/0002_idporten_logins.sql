-- Logins through ID-porten under way: the browser's side of the round trip (domain-rules.md, "Login with
-- ID-porten"), for at most ten minutes. The browser holds only a random handle, in the __Host-eportal_idporten
-- cookie; the row is found by the handle's SHA-256 and deleted at the callback, once, whatever the outcome. The
-- state is compared with the one ID-porten sends back; the nonce and PKCE verifier go to identity with the code.
CREATE TABLE idporten_logins (
    handle_digest bytea PRIMARY KEY,
    state         text        NOT NULL,
    nonce         text        NOT NULL,
    code_verifier text        NOT NULL,
    return_to     text        NOT NULL,  -- a path on our own origin, checked at the start
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL
);
CREATE INDEX idporten_logins_by_expiry ON idporten_logins (expires_at);
