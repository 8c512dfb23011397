//! One Tokio runtime for the module: JWKS and token requests, background refreshes, and the
//! work behind asyncio calls run on its two worker threads.

use std::future::Future;
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();

/// The module's runtime, started on first use.
pub(crate) fn get() -> PyResult<&'static tokio::runtime::Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("cognito-auth")
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the I/O runtime: {e}")))
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
