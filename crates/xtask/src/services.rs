//! Starting the sandbox and the relay as real processes on loopback.

use std::ffi::OsStr;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::postgres::{self, Cluster};
use crate::{
    command, free_port, run, stop_on_interrupt, target_dir, tools, wait_for_interrupt,
    workspace_root, Fail,
};

/// A child process killed when dropped.
pub struct Service {
    name: &'static str,
    child: Child,
}

impl Drop for Service {
    /// SIGTERM first, so the sandbox stops its storage server too; SIGKILL only if it hangs.
    fn drop(&mut self) {
        let terminated = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + Duration::from_secs(5);
        while terminated && Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                eprintln!("xtask: stopped {}", self.name);
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("xtask: killed {} (it did not stop on SIGTERM)", self.name);
    }
}

impl Service {
    /// The process's id, for reading its CPU time and memory in `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// The sandbox and the relay (or several instances of it) serving the built widget.
pub struct Stack {
    /// The relay's URL, which also serves the widget.
    pub relay_url: String,
    /// Every relay instance's URL, the first being [`Stack::relay_url`].
    pub relay_urls: Vec<String>,
    /// The sandbox's URL.
    pub sandbox_url: String,
    // Fields are dropped in declaration order: the relays first, then the sandbox (and its
    // storage), so no relay is left calling a stopped provider.
    relays: Vec<Service>,
    sandbox: Service,
}

impl Stack {
    /// The relay instances' process ids, in the order of [`Stack::relay_urls`].
    pub fn relay_pids(&self) -> Vec<u32> {
        self.relays.iter().map(Service::pid).collect()
    }

    /// The sandbox's process id (its storage server, `s3s-fs`, is its child).
    pub fn sandbox_pid(&self) -> u32 {
        self.sandbox.pid()
    }
}

/// Which build of the servers a stack runs: the tests and the demo use the debug build
/// ([`build_servers`]), the bench's scaling figures the release build
/// ([`build_servers_release`]).
#[derive(Clone, Copy)]
pub enum Profile {
    Debug,
    Release,
}

/// The relay's store: its `--database`.
pub enum RelayDatabase {
    /// A SQLite file, created at start (one relay instance only).
    Sqlite(PathBuf),
    /// A PostgreSQL database's URL, e.g. one made by [`crate::postgres::Cluster::create_database`].
    Postgres(String),
}

impl RelayDatabase {
    /// The value of the relay's `--database`.
    fn arg(&self) -> &OsStr {
        match self {
            RelayDatabase::Sqlite(path) => path.as_os_str(),
            RelayDatabase::Postgres(url) => OsStr::new(url),
        }
    }
}

/// Options of a started stack.
pub struct StackOptions {
    pub relay_port: u16,
    pub sandbox_port: u16,
    pub review_delay_secs: u64,
    pub database: RelayDatabase,
    pub static_dir: PathBuf,
    /// Whether the children's logs go to the terminal (demo) or are dropped (tests).
    pub show_logs: bool,
}

/// Builds the relay and the sandbox binaries.
pub fn build_servers() -> Result<(), Fail> {
    run(command("cargo").args(["build", "--quiet", "-p", "kyc-relay", "-p", "kyc-sandbox"]))
}

/// Builds the relay and the sandbox binaries as the workspace's tests do (`cargo test
/// --workspace` puts them where [`binary`] looks): after `cargo xtask test`'s native tests
/// nothing is built again, where [`build_servers`] would build every dependency once more, its
/// features unified over the two crates instead of the workspace (minutes on a fresh clone).
pub fn build_servers_as_tested() -> Result<(), Fail> {
    run(command("cargo").args(["test", "--quiet", "--workspace", "--no-run"]))
}

/// Builds the demo page with trunk into `dist/`, the host package into `dist/kyc-capture/`
/// (`cargo xtask dist`) and copies the example host pages to `dist/examples/`, each file with
/// its compressed forms beside it, which the relay sends as they are.
pub fn build_widget() -> Result<(), Fail> {
    run(command("trunk").args(["build", "--release"]))?;
    crate::dist::build()?;
    crate::dist::copy_examples()?;
    crate::compress::precompress(&workspace_root().join("dist"))
}

/// Builds the relay and the sandbox binaries in release mode.
pub fn build_servers_release() -> Result<(), Fail> {
    run(command("cargo").args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "kyc-relay",
        "-p",
        "kyc-sandbox",
        "--bins",
    ]))
}

/// The path of a workspace binary built by [`build_servers`] (e.g. `kyc-relay`).
pub fn binary(name: &str) -> PathBuf {
    binary_of(Profile::Debug, name)
}

/// The path of a workspace binary of the given build.
pub fn binary_of(profile: Profile, name: &str) -> PathBuf {
    let dir = match profile {
        Profile::Debug => "debug",
        Profile::Release => "release",
    };
    target_dir().join(dir).join(name)
}

fn wait_listening(name: &str, port: u16, child: &mut Child) -> Result<(), Fail> {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Fail(format!(
                "{name} exited with {status} before listening on {address}"
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(Fail(format!(
        "{name} did not listen on {address} within 30 s"
    )))
}

fn spawn(
    name: &'static str,
    mut command: Command,
    port: u16,
    show_logs: bool,
) -> Result<Service, Fail> {
    if !show_logs {
        command.stdout(Stdio::null()).stderr(Stdio::null());
    }
    let mut child = command
        .spawn()
        .map_err(|err| Fail(format!("cannot start {name}: {err}")))?;
    match wait_listening(name, port, &mut child) {
        Ok(()) => Ok(Service { name, child }),
        Err(err) => {
            let _ = child.kill();
            Err(err)
        }
    }
}

/// Starts the sandbox, then the relay pointed at it and serving the widget.
pub fn start_stack(options: &StackOptions) -> Result<Stack, Fail> {
    start_stack_with(options, None)
}

/// [`start_stack`], with the sandbox's storage (its S3-compatible server's files) in
/// `storage_root` rather than a temporary directory, so a test can look at what the provider
/// stored.
pub fn start_stack_with(
    options: &StackOptions,
    storage_root: Option<&Path>,
) -> Result<Stack, Fail> {
    start_stack_of(options, storage_root, Profile::Debug, 1)
}

/// [`start_stack_with`] from the `profile` build, with `instances` relay instances on the
/// same database (a PostgreSQL one when more than one) and sandbox: the first on
/// `options.relay_port`, the others on free ports. The sandbox's webhooks go to the first.
pub fn start_stack_of(
    options: &StackOptions,
    storage_root: Option<&Path>,
    profile: Profile,
    instances: usize,
) -> Result<Stack, Fail> {
    if instances == 0 {
        return Err(Fail("a stack needs at least one relay instance".to_owned()));
    }
    if instances > 1 && matches!(options.database, RelayDatabase::Sqlite(_)) {
        return Err(Fail(format!(
            "a SQLite database serves one relay instance, not {instances}: give a PostgreSQL \
             one"
        )));
    }
    let mut sandbox = command(
        binary_of(profile, "kyc-sandbox")
            .to_str()
            .expect("UTF-8 path"),
    );
    if let Some(root) = storage_root {
        sandbox.arg("--storage-root").arg(root);
    }
    sandbox.args([
        "--listen",
        &format!("127.0.0.1:{}", options.sandbox_port),
        "--review-delay-secs",
        &options.review_delay_secs.to_string(),
        // Provider D's `customer.status_changed` events go to the relay, signed with the
        // sandbox's default secret, which is also the relay's default for D in sandbox mode.
        "--webhook-url",
        &format!("http://127.0.0.1:{}/webhooks/d", options.relay_port),
    ]);
    let sandbox = spawn(
        "kyc-sandbox",
        sandbox,
        options.sandbox_port,
        options.show_logs,
    )?;
    let sandbox_url = format!("http://127.0.0.1:{}", options.sandbox_port);
    let mut relays = Vec::new();
    let mut relay_urls = Vec::new();
    for instance in 0..instances {
        let port = if instance == 0 {
            options.relay_port
        } else {
            free_port()
        };
        let mut relay = command(
            binary_of(profile, "kyc-relay")
                .to_str()
                .expect("UTF-8 path"),
        );
        // Sandbox mode: the sandbox's built-in credentials and demo sessions, on loopback only.
        relay.arg("--sandbox");
        relay.args(["--listen", &format!("127.0.0.1:{port}")]);
        // Every provider at this sandbox (sandbox mode's own defaults name port 9090).
        for provider in ["a", "b", "c", "d"] {
            relay.args([
                format!("--provider-{provider}-url"),
                format!("{sandbox_url}/{provider}"),
            ]);
        }
        relay.arg("--database").arg(options.database.arg());
        relay.arg("--static-dir").arg(&options.static_dir);
        relay.arg("--demo-sessions");
        // The browser tests open a demo session each, faster than a person would.
        relay.args(["--demo-sessions-per-minute", "600"]);
        relays.push(spawn("kyc-relay", relay, port, options.show_logs)?);
        relay_urls.push(format!("http://127.0.0.1:{port}"));
    }
    Ok(Stack {
        relay_url: relay_urls[0].clone(),
        relay_urls,
        sandbox_url,
        relays,
        sandbox,
    })
}

/// `cargo xtask demo [--postgres]`: builds everything, starts the stack on fixed ports (with
/// `--postgres`, the relay's database in a throwaway PostgreSQL cluster), waits for Ctrl-C, then
/// stops it all.
pub fn demo(args: &[String]) -> Result<(), Fail> {
    let on_postgres = match args {
        [] => false,
        [flag] if flag == "--postgres" => true,
        _ => {
            return Err(Fail(format!(
                "demo takes only --postgres, not {}",
                args.join(" ")
            )))
        }
    };
    // Ctrl-C (or SIGTERM) ends the wait below, so everything started is stopped in order and
    // the PostgreSQL cluster's directory is deleted.
    stop_on_interrupt();
    tools::ensure_demo()?;
    if on_postgres {
        postgres::ensure_installed()?;
    }
    build_widget()?;
    build_servers()?;
    let state_dir = workspace_root().join("target/demo");
    std::fs::create_dir_all(&state_dir)
        .map_err(|err| Fail(format!("cannot create {state_dir:?}: {err}")))?;
    for port in [8080, 9090] {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Err(Fail(format!(
                "port {port} is taken; stop what listens there and try again"
            )));
        }
    }
    // Declared before the stack, so dropped after it: the relay stops before its database.
    let cluster = if on_postgres {
        Some(Cluster::start()?)
    } else {
        None
    };
    let database = match &cluster {
        Some(cluster) => RelayDatabase::Postgres(cluster.create_database("kyc_relay")?),
        None => RelayDatabase::Sqlite(state_dir.join("relay.sqlite")),
    };
    let stack = start_stack(&StackOptions {
        relay_port: 8080,
        sandbox_port: 9090,
        review_delay_secs: 10,
        database,
        static_dir: workspace_root().join("dist"),
        show_logs: true,
    })?;
    println!();
    println!("  kyc-capture demo is running.");
    println!("  Open {}/ in your browser.", stack.relay_url);
    println!(
        "  (relay {}, provider sandbox {}; review completes ~10 s after submit)",
        stack.relay_url, stack.sandbox_url
    );
    if let Some(cluster) = &cluster {
        println!(
            "  The relay's database: {} (a PostgreSQL cluster in {}, deleted when the demo \
             stops)",
            cluster.url("kyc_relay"),
            cluster.dir().display()
        );
    }
    println!("  Press Ctrl-C to stop.");
    println!();
    wait_for_interrupt();
    eprintln!("xtask: stopping the demo");
    Ok(())
}

/// Whether `path` exists, for readable preconditions.
pub fn require(path: &Path, what: &str) -> Result<(), Fail> {
    if path.exists() {
        Ok(())
    } else {
        Err(Fail(format!("{what} is missing at {}", path.display())))
    }
}
