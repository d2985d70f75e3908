//! proptest strategies for every record.

use bytes::Bytes;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use zookit_proto::*;

pub(crate) fn string() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z/._-]{1,12}", any::<String>()]
}

pub(crate) fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..40).prop_map(Bytes::from)
}

pub(crate) fn strings() -> impl Strategy<Value = Vec<String>> {
    vec(string(), 0..5)
}

pub(crate) fn error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        (-130..=1).prop_map(ErrorCode::from_code),
        any::<i32>().prop_map(ErrorCode::from_code)
    ]
}

pub(crate) fn stat() -> impl Strategy<Value = Stat> {
    (
        (any::<i64>(), any::<i64>(), any::<i64>(), any::<i64>()),
        (any::<i32>(), any::<i32>(), any::<i32>(), any::<i64>()),
        (any::<i32>(), any::<i32>(), any::<i64>()),
    )
        .prop_map(
            |(
                (czxid, mzxid, ctime, mtime),
                (version, cversion, aversion, ephemeral_owner),
                (data_length, num_children, pzxid),
            )| Stat {
                czxid,
                mzxid,
                ctime,
                mtime,
                version,
                cversion,
                aversion,
                ephemeral_owner,
                data_length,
                num_children,
                pzxid,
            },
        )
}

pub(crate) fn id() -> impl Strategy<Value = Id> {
    (string(), string()).prop_map(|(scheme, id)| Id { scheme, id })
}

pub(crate) fn acl() -> impl Strategy<Value = Acl> {
    (any::<i32>(), id()).prop_map(|(perms, id)| Acl { perms: Perms::from_bits_retain(perms), id })
}

pub(crate) fn acls() -> impl Strategy<Value = Vec<Acl>> {
    vec(acl(), 0..4)
}

pub(crate) fn create_mode() -> impl Strategy<Value = CreateMode> {
    (0..=6).prop_map(|c| CreateMode::from_code(c).expect("modes 0..=6 exist"))
}

pub(crate) fn create() -> impl Strategy<Value = CreateRequest> {
    (string(), bytes(), acls(), create_mode()).prop_map(|(path, data, acl, mode)| CreateRequest {
        path,
        data,
        acl,
        mode,
    })
}

pub(crate) fn create_ttl() -> impl Strategy<Value = CreateTtlRequest> {
    (create(), any::<i64>()).prop_map(|(c, ttl)| CreateTtlRequest {
        path: c.path,
        data: c.data,
        acl: c.acl,
        mode: c.mode,
        ttl,
    })
}

pub(crate) fn delete() -> impl Strategy<Value = DeleteRequest> {
    (string(), any::<i32>()).prop_map(|(path, version)| DeleteRequest { path, version })
}

pub(crate) fn set_data() -> impl Strategy<Value = SetDataRequest> {
    (string(), bytes(), any::<i32>()).prop_map(|(path, data, version)| SetDataRequest {
        path,
        data,
        version,
    })
}

pub(crate) fn check() -> impl Strategy<Value = CheckVersionRequest> {
    (string(), any::<i32>()).prop_map(|(path, version)| CheckVersionRequest { path, version })
}

pub(crate) fn get_children() -> impl Strategy<Value = GetChildrenRequest> {
    (string(), any::<bool>()).prop_map(|(path, watch)| GetChildrenRequest { path, watch })
}

pub(crate) fn get_data() -> impl Strategy<Value = GetDataRequest> {
    (string(), any::<bool>()).prop_map(|(path, watch)| GetDataRequest { path, watch })
}

pub(crate) fn watcher_type() -> impl Strategy<Value = WatcherType> {
    (1..=5).prop_map(|c| WatcherType::from_code(c).expect("types 1..=5 exist"))
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        create().prop_map(Op::Create),
        create().prop_map(Op::Create2),
        create().prop_map(Op::CreateContainer),
        create_ttl().prop_map(Op::CreateTtl),
        delete().prop_map(Op::Delete),
        set_data().prop_map(Op::SetData),
        check().prop_map(Op::Check),
        get_children().prop_map(Op::GetChildren),
        get_data().prop_map(Op::GetData),
    ]
}

pub(crate) fn multi_request() -> impl Strategy<Value = MultiRequest> {
    vec(op(), 0..5).prop_map(|ops| MultiRequest { ops })
}

pub(crate) fn get_data_response() -> impl Strategy<Value = GetDataResponse> {
    (bytes(), stat()).prop_map(|(data, stat)| GetDataResponse { data, stat })
}

pub(crate) fn op_result() -> impl Strategy<Value = OpResult> {
    prop_oneof![
        string().prop_map(|path| OpResult::Create(CreateResponse { path })),
        (string(), stat())
            .prop_map(|(path, stat)| OpResult::Create2(Create2Response { path, stat })),
        Just(OpResult::Delete),
        stat().prop_map(|stat| OpResult::SetData(SetDataResponse { stat })),
        Just(OpResult::Check),
        strings().prop_map(|children| OpResult::GetChildren(GetChildrenResponse { children })),
        get_data_response().prop_map(OpResult::GetData),
        error_code().prop_map(OpResult::Error),
    ]
}

pub(crate) fn multi_response() -> impl Strategy<Value = MultiResponse> {
    vec(op_result(), 0..5).prop_map(|results| MultiResponse { results })
}

pub(crate) fn set_watches() -> impl Strategy<Value = SetWatches> {
    (any::<i64>(), strings(), strings(), strings()).prop_map(
        |(relative_zxid, data_watches, exist_watches, child_watches)| SetWatches {
            relative_zxid,
            data_watches,
            exist_watches,
            child_watches,
        },
    )
}

pub(crate) fn set_watches2() -> impl Strategy<Value = SetWatches2> {
    (set_watches(), strings(), strings()).prop_map(
        |(w, persistent_watches, persistent_recursive_watches)| SetWatches2 {
            relative_zxid: w.relative_zxid,
            data_watches: w.data_watches,
            exist_watches: w.exist_watches,
            child_watches: w.child_watches,
            persistent_watches,
            persistent_recursive_watches,
        },
    )
}

pub(crate) fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        create().prop_map(Request::Create),
        create().prop_map(Request::Create2),
        create().prop_map(Request::CreateContainer),
        create_ttl().prop_map(Request::CreateTtl),
        delete().prop_map(Request::Delete),
        string().prop_map(|path| Request::DeleteContainer(DeleteContainerRequest { path })),
        (string(), any::<bool>())
            .prop_map(|(path, watch)| Request::Exists(ExistsRequest { path, watch })),
        get_data().prop_map(Request::GetData),
        set_data().prop_map(Request::SetData),
        string().prop_map(|path| Request::GetAcl(GetAclRequest { path })),
        (string(), acls(), any::<i32>())
            .prop_map(|(path, acl, version)| Request::SetAcl(SetAclRequest { path, acl, version })),
        get_children().prop_map(Request::GetChildren),
        get_children().prop_map(Request::GetChildren2),
        string()
            .prop_map(|path| Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path })),
        string()
            .prop_map(|prefix_path| Request::GetEphemerals(GetEphemeralsRequest { prefix_path })),
        string().prop_map(|path| Request::Sync(SyncRequest { path })),
        check().prop_map(Request::Check),
        multi_request().prop_map(Request::Multi),
        multi_request().prop_map(Request::MultiRead),
        (option::of(string()), option::of(string()), option::of(string()), any::<i64>()).prop_map(
            |(joining_servers, leaving_servers, new_members, cur_config_id)| {
                Request::Reconfig(ReconfigRequest {
                    joining_servers,
                    leaving_servers,
                    new_members,
                    cur_config_id,
                })
            }
        ),
        (
            string(),
            prop_oneof![Just(AddWatchMode::Persistent), Just(AddWatchMode::PersistentRecursive)]
        )
            .prop_map(|(path, mode)| Request::AddWatch(AddWatchRequest { path, mode })),
        (string(), watcher_type()).prop_map(|(path, watcher_type)| Request::RemoveWatches(
            RemoveWatchesRequest { path, watcher_type }
        )),
        (string(), watcher_type()).prop_map(|(path, watcher_type)| Request::CheckWatches(
            RemoveWatchesRequest { path, watcher_type }
        )),
        set_watches().prop_map(Request::SetWatches),
        set_watches2().prop_map(Request::SetWatches2),
        (any::<i32>(), string(), bytes()).prop_map(|(auth_type, scheme, auth)| Request::Auth(
            AuthPacket { auth_type, scheme, auth }
        )),
        bytes().prop_map(|token| Request::Sasl(GetSaslRequest { token })),
        Just(Request::WhoAmI),
        Just(Request::Ping),
        Just(Request::CloseSession),
    ]
}

/// A response together with an opcode it answers.
pub(crate) fn response() -> impl Strategy<Value = (OpCode, Response)> {
    prop_oneof![
        Just((OpCode::Delete, Response::Empty)),
        string().prop_map(|path| (OpCode::Create, Response::Create(CreateResponse { path }))),
        (string(), stat()).prop_map(|(path, stat)| (
            OpCode::CreateTtl,
            Response::Create2(Create2Response { path, stat })
        )),
        stat().prop_map(|stat| (OpCode::Exists, Response::Exists(ExistsResponse { stat }))),
        get_data_response().prop_map(|r| (OpCode::Reconfig, Response::GetData(r))),
        stat().prop_map(|stat| (OpCode::SetData, Response::SetData(SetDataResponse { stat }))),
        (acls(), stat()).prop_map(|(acl, stat)| (
            OpCode::GetAcl,
            Response::GetAcl(GetAclResponse { acl, stat })
        )),
        stat().prop_map(|stat| (OpCode::SetAcl, Response::SetAcl(SetAclResponse { stat }))),
        strings().prop_map(|children| (
            OpCode::GetChildren,
            Response::GetChildren(GetChildrenResponse { children })
        )),
        (strings(), stat()).prop_map(|(children, stat)| (
            OpCode::GetChildren2,
            Response::GetChildren2(GetChildren2Response { children, stat })
        )),
        any::<i32>().prop_map(|total_number| (
            OpCode::GetAllChildrenNumber,
            Response::GetAllChildrenNumber(GetAllChildrenNumberResponse { total_number })
        )),
        strings().prop_map(|ephemerals| (
            OpCode::GetEphemerals,
            Response::GetEphemerals(GetEphemeralsResponse { ephemerals })
        )),
        string().prop_map(|path| (OpCode::Sync, Response::Sync(SyncResponse { path }))),
        multi_response().prop_map(|r| (OpCode::Multi, Response::Multi(r))),
        error_code().prop_map(|err| (OpCode::AddWatch, Response::AddWatch(ErrorResponse { err }))),
        bytes().prop_map(|token| (OpCode::Sasl, Response::Sasl(SetSaslResponse { token }))),
        vec((string(), string()), 0..3).prop_map(|infos| {
            let client_info = infos
                .into_iter()
                .map(|(auth_scheme, user)| ClientInfo { auth_scheme, user })
                .collect();
            (OpCode::WhoAmI, Response::WhoAmI(WhoAmIResponse { client_info }))
        }),
    ]
}

pub(crate) fn watcher_event() -> impl Strategy<Value = WatcherEvent> {
    let event_type = prop_oneof![Just(-1), 1..=7]
        .prop_map(|c| EventType::from_code(c).expect("known event type"));
    let state = prop_oneof![Just(-112), Just(-1), 0..=1, 3..=7]
        .prop_map(|c| KeeperState::from_code(c).expect("known state"));
    (event_type, state, string()).prop_map(|(event_type, state, path)| WatcherEvent {
        event_type,
        state,
        path,
    })
}

pub(crate) fn connect_request() -> impl Strategy<Value = ConnectRequest> {
    (any::<i32>(), any::<i64>(), any::<i32>(), any::<i64>(), bytes(), any::<Option<bool>>())
        .prop_map(|(protocol_version, last_zxid_seen, timeout, session_id, passwd, read_only)| {
            ConnectRequest {
                protocol_version,
                last_zxid_seen,
                timeout,
                session_id,
                passwd,
                read_only,
            }
        })
}

pub(crate) fn connect_response() -> impl Strategy<Value = ConnectResponse> {
    (any::<i32>(), any::<i32>(), any::<i64>(), bytes(), any::<Option<bool>>()).prop_map(
        |(protocol_version, timeout, session_id, passwd, read_only)| ConnectResponse {
            protocol_version,
            timeout,
            session_id,
            passwd,
            read_only,
        },
    )
}
