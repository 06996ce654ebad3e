"""`python -m qa.fit` is now `python -m learn.fit`; this name keeps working for scripts that use it."""
import runpy

if __name__ == "__main__":
    runpy.run_module("learn.fit", run_name="__main__", alter_sys=True)
