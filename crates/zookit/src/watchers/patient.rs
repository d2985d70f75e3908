//! The patient children watch: children once they settle.

use std::time::Duration;

use zookit_proto::{ErrorCode, KeeperState};

use crate::watch::Watch;
use crate::{Client, Error, Result};

impl Client {
    /// The znode's children once they have not changed for `time_boundary`
    /// (kazoo's `PatientChildrenWatch`), and a watch that fires when they
    /// change after that. Fails if the session ends before they settle.
    ///
    /// ```no_run
    /// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
    /// use std::time::Duration;
    ///
    /// // Waits until the children have not changed for 5 s.
    /// let (children, changed) = zk.patient_children("/some/path", Duration::from_secs(5)).await?;
    /// println!("settled: {children:?}");
    /// let event = changed.await; // they changed since
    /// # let _ = event;
    /// # Ok(())
    /// # }
    /// ```
    #[doc(alias("PatientChildrenWatch"))]
    pub async fn patient_children(
        &self,
        path: &str,
        time_boundary: Duration,
    ) -> Result<(Vec<String>, Watch)> {
        loop {
            let (mut children, _, mut watch) = self.get_children_watch(path).await?;
            match tokio::time::timeout(time_boundary, &mut watch).await {
                Err(_settled) => {
                    children.sort_unstable();
                    return Ok((children, watch));
                }
                Ok(event) if event.is_terminal() => {
                    // The session ended before the children settled.
                    let code = match event.state {
                        KeeperState::Expired => ErrorCode::SessionExpired,
                        KeeperState::AuthFailed => ErrorCode::AuthFailed,
                        _ => {
                            return Err(Error::closed().with_op("patientChildren").with_path(path));
                        }
                    };
                    return Err(Error::from_code(code).with_op("patientChildren").with_path(path));
                }
                Ok(_changed) => {}
            }
        }
    }
}
