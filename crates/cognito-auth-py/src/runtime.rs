//! One Tokio runtime for the module: JWKS and token requests, background refreshes, and the
//! work behind asyncio calls run on its two worker threads. A forked child starts its own.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// A runtime and the fork generation it was started in.
struct Owned {
    generation: u64,
    runtime: tokio::runtime::Runtime,
}

/// The current generation's runtime (a leaked `Owned`, or null before the first use).
static CURRENT: std::sync::atomic::AtomicPtr<Owned> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
/// Held while a runtime is started, so that threads racing to the first use start one.
static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Bumped in the child of every `fork()` (`pthread_atfork`): a runtime started before the
/// fork has no threads in the child (gunicorn `--preload`, multiprocessing's fork), so the
/// child starts its own.
static GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn after_fork_in_child() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Registers the fork handler (once, when the module is imported).
pub(crate) fn install_fork_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: the handler only increments an atomic, which is async-signal-safe.
        unsafe {
            libc::pthread_atfork(None, None, Some(after_fork_in_child));
        }
    });
}

/// The module's runtime, started on first use (and again in a forked child).
pub(crate) fn get() -> PyResult<&'static tokio::runtime::Runtime> {
    fn current(generation: u64) -> Option<&'static tokio::runtime::Runtime> {
        // SAFETY: `CURRENT` only ever holds a leaked `&'static Owned` (or null).
        let owned = unsafe { CURRENT.load(Ordering::Acquire).as_ref() }?;
        (owned.generation == generation).then_some(&owned.runtime)
    }
    let generation = GENERATION.load(Ordering::Acquire);
    if let Some(rt) = current(generation) {
        return Ok(rt);
    }
    let _starting = STARTING
        .lock()
        .map_err(|_| PyRuntimeError::new_err("the I/O runtime's lock is poisoned"))?;
    if let Some(rt) = current(generation) {
        return Ok(rt);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cognito-auth")
        .enable_all()
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the I/O runtime: {e}")))?;
    // Leaked on purpose: a runtime inherited through fork() has no threads to join, so it is
    // never dropped; one runtime per process generation.
    let owned: &'static Owned = Box::leak(Box::new(Owned {
        generation,
        runtime,
    }));
    CURRENT.store(owned as *const Owned as *mut Owned, Ordering::Release);
    Ok(&owned.runtime)
}

/// Runs the future `make` returns to completion with the GIL released (the future is made
/// on the waiting thread, so it need not be `Send`).
pub(crate) fn block_on<M, F>(py: Python<'_>, make: M) -> PyResult<F::Output>
where
    M: FnOnce() -> F + Send,
    F: Future,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a blocking cognito_auth call was made from the module's own I/O thread; use the async method",
        ));
    }
    let rt = get()?;
    Ok(py.detach(|| rt.block_on(make())))
}

/// Turns an outcome into a Python value once the GIL is held (an `Err` is raised to the
/// awaiting coroutine).
pub(crate) type Finish = Box<dyn for<'py> FnOnce(Python<'py>) -> PyResult<Py<PyAny>> + Send>;

/// Runs `f` on the runtime and hands its outcome to `done(ok, value)` (with the GIL held)
/// from a worker thread. Python wraps `done` so that it only schedules the result on its
/// event loop (`loop.call_soon_threadsafe`).
pub(crate) fn spawn<F>(f: F, done: Py<PyAny>) -> PyResult<()>
where
    F: Future<Output = Finish> + Send + 'static,
{
    get()?.spawn(async move {
        let finish = f.await;
        Python::attach(|py| {
            let call = match finish(py) {
                Ok(v) => done.call1(py, (true, v)),
                Err(e) => done.call1(py, (false, e.into_value(py))),
            };
            if let Err(e) = call {
                e.write_unraisable(py, None);
            }
        });
    });
    Ok(())
}

/// The HTTP settings of every object this module builds: one client that never keeps an idle
/// connection. A pooled connection belongs to the runtime that opened it, which a forked
/// child does not have; key and token requests are rare (once per key rotation or token
/// lifetime), so a new connection each time costs nothing that matters.
pub(crate) fn http_config() -> PyResult<cognito_auth::HttpConfig> {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(cognito_auth::HttpConfig::default().client(c.clone()));
    }
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cognito-auth-python/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot build the HTTP client: {e}")))?;
    Ok(cognito_auth::HttpConfig::default().client(CLIENT.get_or_init(|| client).clone()))
}

/// A coroutine (from `cognito_auth._aio.run`) that runs `fut` on the runtime and resolves
/// to `convert(output)`: what every `a…` method of the user, hosted-UI and identity classes
/// returns. The loop is never blocked; the work starts when the coroutine is awaited.
pub(crate) fn awaitable<'py, F, T, C>(
    py: Python<'py>,
    fut: F,
    convert: C,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    C: for<'a> FnOnce(Python<'a>, T) -> PyResult<Py<PyAny>> + Send + 'static,
{
    let job = std::sync::Mutex::new(Some((fut, convert)));
    let start = pyo3::types::PyCFunction::new_closure(
        py,
        None,
        None,
        move |args: &Bound<'_, pyo3::types::PyTuple>,
              _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>|
              -> PyResult<()> {
            let done: Py<PyAny> = args.get_item(0)?.unbind();
            let (fut, convert) = job
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .ok_or_else(|| PyRuntimeError::new_err("this coroutine was already awaited"))?;
            spawn(
                async move {
                    let out = fut.await;
                    Box::new(move |py: Python<'_>| convert(py, out)) as Finish
                },
                done,
            )
        },
    )?;
    py.import("cognito_auth._aio")?
        .getattr("run")?
        .call1((start,))
}

/// Runs `fut` to completion with the GIL released and converts its output.
pub(crate) fn wait<F, T, C>(py: Python<'_>, fut: F, convert: C) -> PyResult<Py<PyAny>>
where
    F: Future<Output = T> + Send,
    T: Send,
    C: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>>,
{
    let out = block_on(py, move || fut)?;
    convert(py, out)
}
