-- Known devices replace known addresses in sign-in throttling (issue 16, M2): an address is
-- shared by everyone behind a proxy, a device cookie is not. Only the cookie's hash is kept.
CREATE TABLE known_devices (
    user_id BIGINT NOT NULL REFERENCES users(id),
    device_hash TEXT NOT NULL,
    last_success_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);
CREATE INDEX known_devices_last_success ON known_devices(last_success_at);

DROP TABLE known_addresses;
