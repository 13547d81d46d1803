//! The weak-key host: an RSA-1024 leaf signed with SHA-1 by the world's intermediate. rustls
//! and rcgen refuse both, so the key and certificate are made with the `openssl` command and
//! served by `openssl s_server` (`@SECLEVEL=0`) as a child process, killed at shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::Error;
use super::pki::Pki;

/// Whether the `openssl` command can be run.
pub async fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success())
}

async fn openssl(args: &[&str], dir: &Path) -> Result<(), Error> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| Error::Openssl(format!("openssl {}: {e}", args.join(" "))))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Openssl(format!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Makes the weak leaf for `host` in `dir` and starts `openssl s_server` for it on a free
/// loopback port. Returns the child and its address once it accepts connections.
pub async fn start(host: &str, pki: &Pki, dir: &Path) -> Result<(Child, SocketAddr), Error> {
    let dir = dir.join(format!("weak-{host}"));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|source| Error::Io { path, source })
    };
    write("inter.pem", pki.intermediate_pem())?;
    write("inter.key", pki.intermediate_key_pem())?;
    write("ext.cnf", format!("subjectAltName=DNS:{host}\n"))?;
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            "weak.key",
        ],
        &dir,
    )
    .await?;
    let subject = format!("/CN={host}");
    openssl(
        &[
            "req",
            "-new",
            "-key",
            "weak.key",
            "-subj",
            subject.as_str(),
            "-out",
            "weak.csr",
        ],
        &dir,
    )
    .await?;
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "weak.csr",
            "-CA",
            "inter.pem",
            "-CAkey",
            "inter.key",
            "-set_serial",
            "4242",
            "-sha1",
            "-days",
            "60",
            "-extfile",
            "ext.cnf",
            "-out",
            "weak.pem",
        ],
        &dir,
    )
    .await?;
    // Port 0: the system picks a free port while openssl binds it, and s_server prints it
    // (`ACCEPT 127.0.0.1:PORT`), so no other process can take it in between.
    let mut child = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-cert",
            "weak.pem",
            "-key",
            "weak.key",
            "-cert_chain",
            "inter.pem",
            "-cipher",
            "DEFAULT:@SECLEVEL=0",
            "-www",
        ])
        .current_dir(&dir)
        // stdin stays open (s_server reads it) and is closed when the child is killed.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Openssl(format!("openssl s_server: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Openssl("openssl s_server: no stdout".to_owned()))?;
    let mut lines = BufReader::new(stdout).lines();
    let accept = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                return addr.trim().parse::<SocketAddr>().ok();
            }
        }
        None
    })
    .await;
    let Ok(Some(addr)) = accept else {
        return Err(Error::Openssl(format!(
            "openssl s_server for {host} did not say where it listens within 5 s"
        )));
    };
    // Keep reading what it prints about connections, so its output pipe never fills; the
    // task ends when the child is killed.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}
