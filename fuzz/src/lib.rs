//! What the fuzz targets share: the switchboard driven like duet-server's hub, with the
//! protocol's promises checked on everything it says ([`server`]).

pub mod server;
