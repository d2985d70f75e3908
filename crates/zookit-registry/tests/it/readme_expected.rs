//! What zc.zk 2.1.0's README shows, step by step, when its scenario runs on
//! a server: the texts and what its callbacks print (Python 3 reprs, the
//! pid normalised to 9999 as the README's tests do). Shared by the async
//! run of the scenario (`server_tree`) and the blocking one
//! (`blocking_readme`).

use zookit_registry::value::{Value, python_repr};

use crate::support::Printed;

pub(crate) use zookit_testing::zc_zk::{TREE_TEXT, TREE_TEXT_2};

/// `/fooservice`'s data before the README starts.
pub(crate) const FOOSERVICE_DATA: &str =
    r#"{"database":"/databases/foomain","threads":1,"favorite_color":"red"}"#;

/// `/fooservice` as the README's server holds it.
pub(crate) const FOOSERVICE: &str = "/fooservice
  secret = '1234'
  threads = 3
  /providers
";

/// `/fooservice` exported with its ephemeral nodes (`ephemeral=True`).
pub(crate) const FOOSERVICE_EPHEMERAL: &str = "/fooservice
  secret = '1234'
  threads = 3
  /providers
    /192.168.0.42:8080
      pid = 9999
    /192.168.0.42:8081
      pid = 9999
    /192.168.0.42:8082
      pid = 9999
";

/// `sorted(addresses)` with two providers.
pub(crate) const ADDRESSES_2: &str = "['192.168.0.42:8080', '192.168.0.42:8081']";

/// What `addresses_updated` prints when registered.
pub(crate) const ADDRESSES_CHANGED_2: &str =
    "addresses changed\n['192.168.0.42:8080', '192.168.0.42:8081']";

/// What `addresses_updated` prints when the third provider comes.
pub(crate) const ADDRESSES_CHANGED_3: &str =
    "addresses changed\n['192.168.0.42:8080', '192.168.0.42:8081', '192.168.0.42:8082']";

/// What `data_updated` prints: when registered, then after
/// `data.update(thread_info, secret='123')`, `data['threads'] = 1`,
/// `data.set(threads= 3, secret='1234')`, `p2['threads'] = 2` and
/// `p2.update(threads=3)`.
pub(crate) const DATA_UPDATED: [&str; 6] = [
    "data updated\ndatabase: '/databases/foomain'\nfavorite_color: 'red'\nthreads: 1",
    "data updated\ndatabase: '/databases/foomain'\nfavorite_color: 'red'\nsecret: '123'\nthreads: 2",
    "data updated\ndatabase: '/databases/foomain'\nfavorite_color: 'red'\nsecret: '123'\nthreads: 1",
    "data updated\nsecret: '1234'\nthreads: 3",
    "data updated\nsecret: '1234'\nthreads: 2",
    "data updated\nsecret: '1234'\nthreads: 3",
];

/// What `data_updated` prints after `zookeeper_set_property ... threads=4
/// debug=True comment='ok'`.
pub(crate) const DATA_UPDATED_BY_THE_SCRIPT: &str =
    "data updated\ncomment: 'ok'\ndebug: True\nsecret: '1234'\nthreads: 4";

/// The README's `addresses_updated` callback.
pub(crate) fn addresses_updated(out: &Printed, names: Vec<String>) {
    out.print("addresses changed");
    out.print(python_repr(&Value::from(names)));
}

/// The README's `data_updated` callback, given the properties' keys and
/// their values.
pub(crate) fn data_updated(out: &Printed, keys: Vec<String>, get: impl Fn(&str) -> Option<Value>) {
    out.print("data updated");
    for key in keys {
        let value = get(&key).expect("a value for each key");
        out.print(format!("{key}: {}", python_repr(&value)));
    }
}

pub(crate) const LB: &str = "/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
";

pub(crate) const LB_WITH_RETAIL: &str = "/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
    /retail
      address = '1.2.3.5:80'
      providers -> /cms/providers
";

pub(crate) const RETAIL: &str = "/retail : z4m retail
  threads = 1
  /databases
    main -> /cms/databases/main
    /ugc
      /providers
  /providers
";

/// `/cms` with `threads`.
pub(crate) fn cms(threads: u32) -> String {
    format!(
        "/cms : z4m cms\n  threads = {threads}\n  /databases\n    /main\n      /providers\n  /providers\n"
    )
}

/// `print zk.export_tree(),` after the first import.
pub(crate) fn first_export() -> String {
    [cms(3).as_str(), FOOSERVICE, LB_WITH_RETAIL, RETAIL].concat()
}

/// `print zk.export_tree(),` after re-importing without trimming.
pub(crate) fn untrimmed_export() -> String {
    [cms(4).as_str(), FOOSERVICE, LB_WITH_RETAIL, RETAIL].concat()
}

/// `print zk.export_tree(),` after trimming.
pub(crate) fn trimmed_export() -> String {
    [cms(4).as_str(), FOOSERVICE, LB, RETAIL].concat()
}

/// `print zk.export_tree(),` after `zk.delete_recursive('/retail')`.
pub(crate) fn export_without_retail() -> String {
    [cms(4).as_str(), FOOSERVICE, LB].concat()
}

pub(crate) const REIMPORT_MESSAGES: [&str; 1] = ["extra path not trimmed: /lb/pools/retail"];
pub(crate) const DRY_TRIM_MESSAGES: [&str; 1] = ["would delete /lb/pools/retail."];

/// `zk.delete_recursive('/fooservice')`.
pub(crate) const FOOSERVICE_NOT_DELETED: [&str; 5] = [
    "Not deleting /fooservice/providers/192.168.0.42:8080 because it's ephemeral.",
    "Not deleting /fooservice/providers/192.168.0.42:8081 because it's ephemeral.",
    "Not deleting /fooservice/providers/192.168.0.42:8082 because it's ephemeral.",
    "/fooservice/providers not deleted due to ephemeral descendent.",
    "/fooservice not deleted due to ephemeral descendent.",
];

/// `zk.export_tree('/cms/databases/main', name='cms')`.
pub(crate) const MAIN_AS_CMS: &str = "/cms\n  /providers\n";
/// `print zk.export_tree('/databases'),` after importing it.
pub(crate) const DATABASES_IMPORTED: &str = "/databases\n  /cms\n    /providers\n";

/// The README's `relative_link_source`.
pub(crate) const RELATIVE_LINK_SOURCE: &str =
    "/a\n  /b\n    l -> c\n    l2 -> ../c\n    /c\n  /c\n";

/// The README's `property_link_source`.
pub(crate) const PROPERTY_LINK_SOURCE: &str = "
/cms : z4m cms
  threads => /fooservice threads
  /databases
    /main
      /providers
  /providers
/fooservice
  secret = '1234'
  threads = 3
  /providers
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
";

/// `zk.import_tree('/cms\n  threads => /fooservice\n', '/test-propery-links')`.
pub(crate) const PROPERTY_LINK_REIMPORT: &str = "/cms\n  threads => /fooservice\n";
pub(crate) const PROPERTY_LINK_REIMPORT_MESSAGES: [&str; 2] = [
    "extra path not trimmed: /test-propery-links/cms/databases",
    "extra path not trimmed: /test-propery-links/cms/providers",
];

const CMS_MOVED: &str =
    "/cms : z4m cms\n  threads = 4\n  /databases\n    main -> /databases/cms\n  /providers\n";
const DATABASES: &str = "/databases\n  /cms\n    a = 1\n";

/// The `zookeeper_export` script's full export.
pub(crate) fn script_export() -> String {
    [CMS_MOVED, DATABASES, FOOSERVICE, LB].concat()
}

/// `/provision` as the import script reads it from `mytree.txt`.
pub(crate) const PROVISION: &str = "/provision\n  /node1\n  /node2\n";

const FOOSERVICE_CHILDREN: &str = "  /providers
    /192.168.0.42:8080
      pid = 9999
    /192.168.0.42:8081
      pid = 9999
    /192.168.0.42:8082
      pid = 9999
  /provision
    /node1
    /node2
";

/// `zk.print_tree()` after the import script.
pub(crate) fn print_tree() -> String {
    [
        CMS_MOVED,
        "    /1.2.3.4:5\n      pid = 9999\n",
        DATABASES,
        "/fooservice\n  secret = '1234'\n  threads = 3\n",
        FOOSERVICE_CHILDREN,
        LB,
    ]
    .concat()
}

/// The import script's dry runs from stdin: its input, its path, whether
/// it trims, and what it prints.
pub(crate) const SCRIPT_DRY_RUNS: [(&str, &str, Option<bool>, &[&str]); 3] = [
    ("/x\n/y", "/fooservice", None, &["add /fooservice/x", "add /fooservice/y"]),
    ("/x\n/y", "/", None, &["add /x", "add /y"]),
    (
        "/provision\n/y",
        "/fooservice",
        Some(true),
        &[
            "would delete /fooservice/provision/node1.",
            "would delete /fooservice/provision/node2.",
            "add /fooservice/y",
        ],
    ),
];

/// `/fooservice`'s data after the property-update script.
pub(crate) const FOOSERVICE_SCRIPT_DATA: &str =
    r#"{"comment":"ok","debug":true,"secret":"1234","threads":4}"#;

/// `zk.print_tree('/fooservice')` after the property-update script.
pub(crate) fn print_fooservice() -> String {
    [
        "/fooservice\n  comment = 'ok'\n  debug = True\n  secret = '1234'\n  threads = 4\n",
        FOOSERVICE_CHILDREN,
    ]
    .concat()
}

/// `for path in zk.walk('/fooservice')`.
pub(crate) const WALK_FOOSERVICE: [&str; 8] = [
    "/fooservice",
    "/fooservice/providers",
    "/fooservice/providers/192.168.0.42:8080",
    "/fooservice/providers/192.168.0.42:8081",
    "/fooservice/providers/192.168.0.42:8082",
    "/fooservice/provision",
    "/fooservice/provision/node1",
    "/fooservice/provision/node2",
];

/// `for path in zk.walk()`: `/zookeeper` is left out here, as the chroot
/// has none (the README's walk ends with `/zookeeper` and
/// `/zookeeper/quota`).
pub(crate) fn walk_all() -> Vec<&'static str> {
    [
        &[
            "/",
            "/cms",
            "/cms/databases",
            "/cms/providers",
            "/cms/providers/1.2.3.4:5",
            "/databases",
            "/databases/cms",
        ][..],
        &WALK_FOOSERVICE[..],
        &["/lb", "/lb/pools", "/lb/pools/cms"][..],
    ]
    .concat()
}

/// `zk.walk('/fooservice', ephemeral=False)`: a deliberate difference,
/// zc.zk still gave the ephemeral nodes here.
pub(crate) const WALK_FOOSERVICE_NOT_EPHEMERAL: [&str; 5] = [
    "/fooservice",
    "/fooservice/providers",
    "/fooservice/provision",
    "/fooservice/provision/node1",
    "/fooservice/provision/node2",
];

/// The walk after `del children[0]` of `zk.walk('/fooservice',
/// children=True)`.
pub(crate) const WALK_PRUNED: [&str; 3] =
    ["/fooservice/provision", "/fooservice/provision/node1", "/fooservice/provision/node2"];
