//! Integration tests of zookit-recipes against Apache ZooKeeper, or the
//! embedded server with `ZOOKIT_TEST_SERVER=embedded`.

mod barriers;
mod counter;
mod election;
mod leases;
mod locks;
mod partitioner;
mod party;
mod queues;
mod safety;
