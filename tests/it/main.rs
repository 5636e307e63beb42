//! meldpunt's integration tests: one binary, real databases, the real router.
//! PostgreSQL tests need MELDPUNT_TEST_POSTGRES_URL (scripts/test.sh sets it).

mod support;

mod access_requests;
mod audit_chain;
mod authz_matrix;
mod browser;
mod cli;
mod copies;
mod delivery;
mod durability;
mod edges;
mod groups;
mod http_basics;
mod intake;
mod multi_instance;
mod notices;
mod oidc;
mod passkeys;
mod queue;
mod retention;
mod search;
mod sign_in;
mod situations;
mod sso;
mod storage_faults;
mod store;
mod tidy;
mod transparency;
