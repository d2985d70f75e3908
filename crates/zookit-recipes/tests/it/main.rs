//! Integration tests of zookit-recipes against real Apache ZooKeeper.

mod barriers;
mod counter;
mod election;
mod leases;
mod locks;
mod partitioner;
mod party;
mod queues;
mod safety;
