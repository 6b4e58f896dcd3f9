//! The services above the store and the file formats. `rectify-io` builds documents from plain
//! data and never touches the database; the functions here read what a document needs from the
//! [`Store`](rectify_store::Store) and hand it over, for the CLI and the web alike.

pub mod archive;
pub mod bulletin;
pub mod complaints;
pub mod dispatch;
pub mod ledger;
pub mod province;
pub mod publish;
