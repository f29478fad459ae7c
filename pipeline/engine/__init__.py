"""Where per-page work runs and how a build's outputs are written: engines (this process,
a process pool, Dask) behind one interface, the tasks they run, the per-page time limit,
the table writer and the run manifest. No stage logic lives here (``pipeline.stages``), and
the order of the phases is the driver's (``pipeline.driver``)."""
