//! The differential suite: each scenario runs against Apache ZooKeeper (the
//! shared server of this test binary, one scenario at a time) and against
//! a fresh embedded server, and the two transcripts must be equal after
//! renaming zxids and session ids and dropping times.

mod acl;
mod fresh;
mod multi;
mod nodes;
mod odd;
mod sessions;
mod watches;

use bytes::Bytes;
use zookit_proto::{
    Acl, CreateMode, CreateRequest, CreateTtlRequest, DeleteRequest, ExistsRequest, GetAclRequest,
    GetChildrenRequest, GetDataRequest, Id, Perms, Request, SetAclRequest, SetDataRequest,
};

pub(crate) fn open() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::anyone())]
}

pub(crate) fn create_with(
    path: &str,
    data: &[u8],
    acl: Vec<Acl>,
    mode: CreateMode,
) -> CreateRequest {
    CreateRequest { path: path.to_owned(), data: Bytes::copy_from_slice(data), acl, mode }
}

pub(crate) fn create(path: &str, mode: CreateMode) -> Request {
    Request::Create(create_with(path, b"", open(), mode))
}

pub(crate) fn create2(path: &str, data: &[u8], mode: CreateMode) -> Request {
    Request::Create2(create_with(path, data, open(), mode))
}

pub(crate) fn container(path: &str) -> Request {
    Request::CreateContainer(create_with(path, b"", open(), CreateMode::Container))
}

pub(crate) fn ttl(path: &str, mode: CreateMode, ttl: i64) -> Request {
    Request::CreateTtl(CreateTtlRequest {
        path: path.to_owned(),
        data: Bytes::new(),
        acl: open(),
        mode,
        ttl,
    })
}

pub(crate) fn delete(path: &str, version: i32) -> Request {
    Request::Delete(DeleteRequest { path: path.to_owned(), version })
}

pub(crate) fn set(path: &str, data: &[u8], version: i32) -> Request {
    Request::SetData(SetDataRequest {
        path: path.to_owned(),
        data: Bytes::copy_from_slice(data),
        version,
    })
}

pub(crate) fn get(path: &str, watch: bool) -> Request {
    Request::GetData(GetDataRequest { path: path.to_owned(), watch })
}

pub(crate) fn exists(path: &str, watch: bool) -> Request {
    Request::Exists(ExistsRequest { path: path.to_owned(), watch })
}

pub(crate) fn children(path: &str, watch: bool) -> Request {
    Request::GetChildren(GetChildrenRequest { path: path.to_owned(), watch })
}

pub(crate) fn children2(path: &str, watch: bool) -> Request {
    Request::GetChildren2(GetChildrenRequest { path: path.to_owned(), watch })
}

pub(crate) fn get_acl(path: &str) -> Request {
    Request::GetAcl(GetAclRequest { path: path.to_owned() })
}

pub(crate) fn set_acl(path: &str, acl: Vec<Acl>, version: i32) -> Request {
    Request::SetAcl(SetAclRequest { path: path.to_owned(), acl, version })
}
