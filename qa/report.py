"""`python -m qa.report` is now `python -m feedback.report`; this name keeps working for scripts that use it."""
import runpy

if __name__ == "__main__":
    runpy.run_module("feedback.report", run_name="__main__", alter_sys=True)
