"""The course's machinery - not yours to write: the exercise switch (exercises), how your files are
loaded and picked up after every save (loader), the checks' runner and helpers (checks, expect,
numeric, standins, guard), hints, your progress, the notebooks' setup (notebook), where the course
runs (hosts), the doctor and the command line's errors (usage); keeping and handing in your work
(archive, download, copies) and the instructor's gradebook (grading, grading_child, confine,
gradebook), and the JupyterLite site (lite, offline_pyodide). The chapters' own checks live
beside their notebooks.
"""
