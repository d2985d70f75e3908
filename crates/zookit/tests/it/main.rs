//! Integration tests of the zookit client against real Apache ZooKeeper
//! servers started by zookit-testing.

mod four_letter;
