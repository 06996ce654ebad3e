"""`python -m ingest.tune` is now `python -m learn.tune`; this name keeps working for scripts that use it."""
import runpy

if __name__ == "__main__":
    runpy.run_module("learn.tune", run_name="__main__", alter_sys=True)
