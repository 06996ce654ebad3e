"""`python -m qa.evaluate` is now `python -m learn.evaluate`; this name keeps working for scripts that use it."""
import runpy

if __name__ == "__main__":
    runpy.run_module("learn.evaluate", run_name="__main__", alter_sys=True)
