"""`python -m qa.staff_auth` is now `python -m web.staff_auth`; this name keeps working for scripts that use it."""
import runpy

if __name__ == "__main__":
    runpy.run_module("web.staff_auth", run_name="__main__", alter_sys=True)
