//! A throwaway PostgreSQL cluster on loopback for the relay's tests (`cargo xtask test`) and
//! `cargo xtask demo --postgres`: Debian's PostgreSQL 15, a fresh cluster under
//! `target/postgres/`, stopped and deleted when its [`Cluster`] is dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::{
    free_port, run_quiet, stop_on_interrupt, tools, wait_for_interrupt, workspace_root, Fail,
};

/// Where Debian's `postgresql-15` puts the server's programs (not on PATH).
pub const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";
/// The Debian package that brings them (the current major version, 15 on bookworm).
pub const PACKAGE: &str = "postgresql";
/// The environment variable the relay's tests read: an admin URL on which they create
/// throwaway databases. Without it they run on SQLite only.
pub const TEST_URL_VAR: &str = "KYC_TEST_POSTGRES_URL";
/// The cluster's superuser; every connection is trusted (loopback only, a throwaway cluster).
const SUPERUSER: &str = "postgres";
/// Attempts at a free port: another process may take the one [`free_port`] found before the
/// server binds it.
const PORT_ATTEMPTS: usize = 3;

/// The path of one of the server's programs (`initdb`, `postgres`, `psql`, ...).
pub fn program(name: &str) -> PathBuf {
    Path::new(BIN_DIR).join(name)
}

/// Installs Debian's `postgresql` when its programs are missing.
pub fn ensure_installed() -> Result<(), Fail> {
    if program("initdb").exists() && program("postgres").exists() {
        return Ok(());
    }
    tools::install_apt(&[PACKAGE])?;
    if program("initdb").exists() {
        Ok(())
    } else {
        Err(Fail(format!(
            "{PACKAGE} is installed but {} is missing; this needs Debian's PostgreSQL 15",
            program("initdb").display()
        )))
    }
}

/// `cargo xtask postgres`: a cluster for running the relay's tests by hand, until Ctrl-C.
pub fn serve() -> Result<(), Fail> {
    stop_on_interrupt();
    let started = Instant::now();
    let cluster = Cluster::start()?;
    println!(
        "PostgreSQL is running in {} (started in {:.2} s); Ctrl-C stops and deletes it.",
        cluster.dir().display(),
        started.elapsed().as_secs_f64()
    );
    println!("{TEST_URL_VAR}={}", cluster.admin_url());
    wait_for_interrupt();
    let stopping = Instant::now();
    drop(cluster);
    eprintln!(
        "xtask: PostgreSQL stopped and deleted in {:.2} s",
        stopping.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Whether this process runs as root: PostgreSQL's programs refuse root, so they then run as
/// the `postgres` user that Debian's package creates.
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A started cluster: its server is this process's child (so a Ctrl-C in the terminal stops it
/// too), stopped and its directory deleted on drop.
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
    server: Option<Child>,
}

impl Cluster {
    /// Makes a fresh cluster under `target/postgres/` and starts it on a free loopback port.
    pub fn start() -> Result<Cluster, Fail> {
        ensure_installed()?;
        let parent = workspace_root().join("target/postgres");
        std::fs::create_dir_all(&parent)
            .map_err(|err| Fail(format!("cannot create {parent:?}: {err}")))?;
        let as_postgres_user = is_root();
        remove_abandoned(&parent, as_postgres_user);
        // The creating process's id names the directory, so a later run can tell the clusters
        // of processes that died without cleaning up (see `remove_abandoned`).
        static SEQUENCE: AtomicU32 = AtomicU32::new(0);
        let dir = parent.join(format!(
            "{}-{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        let mut cluster = Cluster {
            dir,
            port: 0,
            as_postgres_user,
            server: None,
        };
        cluster.init()?;
        let mut attempt = 1;
        loop {
            match cluster.start_server() {
                Ok(()) => return Ok(cluster),
                Err(_) if attempt < PORT_ATTEMPTS && cluster.log_tail().contains("in use") => {
                    eprintln!(
                        "xtask: port {} was taken before PostgreSQL bound it; trying another",
                        cluster.port
                    );
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The superuser's URL on the `postgres` database, e.g.
    /// `postgres://postgres@127.0.0.1:5433/postgres`.
    pub fn admin_url(&self) -> String {
        self.url("postgres")
    }

    /// The URL of database `name` in this cluster.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// The server's process id (the postmaster; its backends are its children).
    pub fn server_pid(&self) -> Option<u32> {
        self.server.as_ref().map(Child::id)
    }

    /// The cluster's directory (its data directory).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `psql` on database `name` of this cluster: no `.psqlrc`, stops at the first error.
    pub fn psql(&self, name: &str) -> Command {
        let mut psql = Command::new(program("psql"));
        psql.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", SUPERUSER, "-d", name]);
        psql
    }

    /// Creates database `name` and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, Fail> {
        let plain = !name.is_empty()
            && name.len() <= 63
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            return Err(Fail(format!(
                "database name {name:?} must be 1 to 63 lowercase letters, digits or _, \
                 not starting with a digit"
            )));
        }
        run_quiet(
            self.psql("postgres")
                .args(["-c", &format!("CREATE DATABASE {name}")]),
        )?;
        Ok(self.url(name))
    }

    /// A command for one of the server's programs, as the cluster's owner.
    fn as_owner(&self, name: &str) -> Command {
        owner_command(self.as_postgres_user, &program(name))
    }

    /// The empty directory, owned by the server's user, and `initdb` in it.
    fn init(&mut self) -> Result<(), Fail> {
        let mut install = Command::new("install");
        install.arg("-d").arg("-m").arg("0700");
        if self.as_postgres_user {
            install.args(["-o", SUPERUSER, "-g", SUPERUSER]);
        }
        run_quiet(install.arg(&self.dir))?;
        let writable = owner_command(self.as_postgres_user, Path::new("test"))
            .arg("-w")
            .arg(&self.dir)
            .status()
            .is_ok_and(|status| status.success());
        if !writable {
            return Err(Fail(format!(
                "the {SUPERUSER} user cannot write {}: a parent directory is not searchable by \
                 other users (chmod o+x it, or work in a checkout outside /root)",
                self.dir.display()
            )));
        }
        run_quiet(
            self.as_owner("initdb")
                .arg("-D")
                .arg(&self.dir)
                .args(["-A", "trust", "-U", SUPERUSER, "-E", "UTF8"])
                .args(["--locale", "C.UTF-8"])
                // A throwaway cluster: no waiting for its files to reach the disk.
                .arg("--no-sync"),
        )
        .map(|_| ())
        .map_err(|Fail(message)| Fail(format!("initdb failed: {message}")))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// The last lines of the server's log, for error messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }

    /// Starts the server on a free port and waits until it accepts connections.
    fn start_server(&mut self) -> Result<(), Fail> {
        // A server of an earlier attempt, if any, has exited: reap it.
        self.stop_server();
        self.port = free_port();
        let log = File::create(self.log_path())
            .map_err(|err| Fail(format!("cannot create {:?}: {err}", self.log_path())))?;
        let log_err = log
            .try_clone()
            .map_err(|err| Fail(format!("cannot share the server's log file: {err}")))?;
        let mut server = self.as_owner("postgres");
        server
            .arg("-D")
            .arg(&self.dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-p", &self.port.to_string()])
            // TCP only: a socket path under a deep checkout can pass the 107-byte limit of
            // Unix socket paths, and nothing here needs one.
            .args(["-c", "unix_socket_directories="])
            // Every relay test opens its own pool, many at once.
            .args(["-c", "max_connections=300"])
            // Only for this throwaway cluster: its data is deleted at the end anyway, and the
            // tests should not wait on the disk. Never turn fsync off on a real server.
            .args(["-c", "fsync=off"])
            .args(["-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let mut child = server
            .spawn()
            .map_err(|err| Fail(format!("cannot start PostgreSQL's server: {err}")))?;
        let outcome = self.wait_ready(&mut child);
        self.server = Some(child);
        outcome
    }

    /// Waits until the server answers a query, or fails with the end of its log.
    fn wait_ready(&self, child: &mut Child) -> Result<(), Fail> {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(Fail(format!(
                    "PostgreSQL exited with {status} before accepting connections on {address}; \
                     its log ends:\n{}",
                    self.log_tail()
                )));
            }
            // The port opens before the server takes connections; psql then tells.
            if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok()
                && self
                    .psql("postgres")
                    .args(["-c", "select 1"])
                    .stderr(Stdio::null())
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success())
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(Fail(format!(
            "PostgreSQL did not accept connections on {address} within 30 s; its log ends:\n{}",
            self.log_tail()
        )))
    }

    /// Stops the server (fast shutdown: open sessions are ended) and waits for it to exit.
    fn stop_server(&mut self) {
        let Some(mut child) = self.server.take() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            let stopped = self
                .as_owner("pg_ctl")
                .arg("stop")
                .arg("-D")
                .arg(&self.dir)
                .args(["-m", "fast", "-w", "-t", "20", "-s"])
                .status()
                .is_ok_and(|status| status.success());
            if !stopped {
                let _ = child.kill();
            }
        }
        let _ = child.wait();
    }
}

/// Whether process `pid` runs (exists and is not a zombie waiting for its parent).
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The state follows the command's name, which is in parentheses.
            let (_, rest) = stat.rsplit_once(')')?;
            rest.split_whitespace().next().map(|state| state != "Z")
        })
        .unwrap_or(false)
}

/// `program` as the `postgres` user when `as_postgres_user`, else as this process's user.
fn owner_command(as_postgres_user: bool, program: &Path) -> Command {
    let mut command = if as_postgres_user {
        // setpriv execs the program in place (runuser and su fork and may start a new session),
        // so the server stays this process's child, in the terminal's process group.
        let mut setpriv = Command::new("setpriv");
        setpriv
            .args([
                "--reuid",
                SUPERUSER,
                "--regid",
                SUPERUSER,
                "--init-groups",
                "--",
            ])
            .arg(program);
        setpriv
    } else {
        Command::new(program)
    };
    // The owner may not be able to read the caller's working directory.
    command.current_dir("/");
    command
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop_server();
        if let Err(err) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("xtask: cannot remove {}: {err}", self.dir.display());
        }
    }
}

/// Stops and deletes the clusters under `parent` whose creating process is gone (killed before
/// it could drop its [`Cluster`], e.g. by Ctrl-C, which also stopped their servers).
fn remove_abandoned(parent: &Path, as_postgres_user: bool) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let creator = entry
            .file_name()
            .to_str()
            .and_then(|name| name.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(creator) = creator else {
            continue;
        };
        if is_running(creator) {
            continue;
        }
        if dir.join("postmaster.pid").exists() {
            let mut pg_ctl = owner_command(as_postgres_user, &program("pg_ctl"));
            let _ = pg_ctl
                .arg("stop")
                .arg("-D")
                .arg(&dir)
                .args(["-m", "immediate", "-w", "-s"])
                .stderr(Stdio::null())
                .status();
        }
        if std::fs::remove_dir_all(&dir).is_ok() {
            eprintln!("xtask: removed {}, left by a stopped run", dir.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real cluster: started, a database made and queried, then stopped and deleted.
    /// Runs wherever PostgreSQL 15 is installed (`cargo xtask test` installs it first).
    #[test]
    fn a_cluster_starts_serves_and_is_removed() {
        if !program("initdb").exists() && std::env::var_os(TEST_URL_VAR).is_none() {
            eprintln!(
                "skipped: {} is missing (cargo xtask test installs it)",
                BIN_DIR
            );
            return;
        }
        let started = Instant::now();
        let cluster = Cluster::start().unwrap();
        let startup = started.elapsed();
        eprintln!(
            "cluster started in {startup:?} at {}",
            cluster.dir().display()
        );
        assert!(cluster
            .admin_url()
            .starts_with("postgres://postgres@127.0.0.1:"));
        let url = cluster.create_database("xtask_check").unwrap();
        assert_eq!(url, cluster.url("xtask_check"));
        let answer = run_quiet(
            cluster
                .psql("xtask_check")
                .args(["-c", "select current_database()"]),
        )
        .unwrap();
        assert_eq!(answer.trim(), "xtask_check");
        let Err(Fail(message)) = cluster.create_database("Robert'); DROP") else {
            panic!("a name that needs quoting was taken");
        };
        assert!(message.contains("lowercase letters"), "{message}");
        let dir = cluster.dir().to_path_buf();
        let address = SocketAddr::from(([127, 0, 0, 1], cluster.port));
        drop(cluster);
        assert!(!dir.exists(), "{} is still there", dir.display());
        assert!(
            TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err(),
            "the server still listens on {address}"
        );
    }
}
