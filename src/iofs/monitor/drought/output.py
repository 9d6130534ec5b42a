"""SPI outputs on disk: written whole or not at all (Zarr or NetCDF), opened lazily.

An output holds ``spi`` (time, space) and, when the parameters were fitted in the same run,
``alpha``, ``beta`` and ``prob_zero`` (month, space). It is written to a hidden temporary
path beside its name and moved into place only when complete, so a killed run leaves the
previous output as it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from iofs.errors import NotFoundError
from iofs.ingest_files import kill_point, remove_stale, temporary_path
from iofs.monitor.drought.errors import DroughtInputError

ProgressCallback = Callable[[int, int], None]
"""Called with (parts done, parts in all) as an output is written."""
BlockWrites = Callable[[Path], Sequence[Any]]
"""Given a Zarr store whose arrays exist, delayed tasks that write all their values."""


def _replace_path(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``, replacing it (atomic for files, near-atomic for dirs)."""
    if target.is_dir():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


def _bands(size: int, chunks: tuple[int, ...], per_band: int) -> list[slice]:
    """Row slices aligned with chunks, each holding about ``per_band`` chunk rows."""
    edges = np.concatenate([[0], np.cumsum(chunks)])
    step = max(1, per_band)
    return (
        [
            slice(int(edges[i]), int(edges[min(i + step, len(chunks))]))
            for i in range(0, len(chunks), step)
        ]
        if size
        else []
    )


def active_client() -> Any | None:
    """The dask.distributed Client that the active dask scheduler belongs to, or None for
    the local schedulers (threads, synchronous)."""
    import dask

    scheduler = dask.base.get_scheduler()  # type: ignore[no-untyped-call]
    owner = getattr(scheduler, "__self__", None)
    return owner if owner is not None and type(owner).__name__ == "Client" else None


def _task_counter(progress: ProgressCallback | None) -> Any:
    """A dask callback (local schedulers) that reports tasks done out of the graph's tasks."""
    from dask.callbacks import Callback

    counted: dict[str, int] = {"done": 0, "total": 1}

    class _Count(Callback):
        def _start_state(self, dsk: Any, state: Any) -> None:
            counted["total"] = max(1, len(state["ready"]) + len(state["waiting"]))

        def _posttask(self, *args: Any) -> None:
            counted["done"] += 1
            if progress:
                progress(counted["done"], counted["total"])

    return _Count()  # type: ignore[no-untyped-call]


def compute_together(parts: Sequence[Any], progress: ProgressCallback | None) -> None:
    """Compute dask ``parts`` (delayed writes) as ONE computation on the active scheduler.

    Computed one after another, each part would end with workers idle while its last
    blocks finish; together, a worker that is done takes the next part's blocks. On a
    distributed cluster progress counts the parts as they complete (the first failure
    cancels the rest and is raised); on the local schedulers it counts tasks.
    """
    from dask.base import compute

    client = active_client()
    if client is None:
        with _task_counter(progress):
            compute(*parts)  # type: ignore[no-untyped-call]
        return
    from distributed import as_completed

    futures = client.compute(list(parts))
    finished = as_completed(futures)  # type: ignore[no-untyped-call]
    try:
        for done, future in enumerate(finished, start=1):
            future.result()
            if progress:
                progress(done, len(futures))
    except BaseException:
        client.cancel(futures)
        raise


def write_dataset(
    ds: xr.Dataset,
    out: Path,
    progress: ProgressCallback | None = None,
    compress: bool | None = None,
    block_writes: BlockWrites | None = None,
) -> None:
    """Write ``ds`` to Zarr (directory, any name not ending in .nc) or NetCDF (``.nc``).

    Chunks are computed and written as they come (reading, the SPI kernel and writing
    overlap), by the active scheduler, as one computation. Zarr: in bands of the first
    spatial axis (progress per band), Blosc-LZ4 with byte shuffle by default (fast;
    missing-data areas such as sea shrink to almost nothing). NetCDF: uncompressed by
    default (zlib level 1 costs about as long as the SPI kernel for ~15 % smaller SPI),
    ``compress=True`` for zlib level 1 with shuffle; on a dask.distributed cluster the
    values are gathered here and written by this process (NetCDF has no parallel writer;
    use Zarr on a cluster). Both formats go to a temporary path first and replace ``out``
    only when complete. ``block_writes``: for a Zarr output, the values are written by
    these tasks instead (``ds`` then gives the layout and metadata only; progress per task).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # What a killed run left beside ``out`` goes first (only that output's temporaries).
    remove_stale(out.parent, depth=0, prefix=f".{out.name}.")
    tmp = temporary_path(out)
    try:
        if out.suffix.lower() in (".nc", ".nc4", ".netcdf"):
            _write_netcdf(ds, tmp, progress, bool(compress))
        else:
            _write_zarr(ds, tmp, progress, compress is not False, block_writes)
        kill_point("drought:before-commit")
        _replace_path(tmp, out)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def _zarr_compressor(compress: bool) -> dict[str, Any]:
    """Zarr encoding for the codec: Blosc-LZ4 + byte shuffle, or none."""
    import zarr

    if int(zarr.__version__.split(".")[0]) >= 3:
        from zarr.codecs import BloscCodec

        return {
            "compressors": [BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")]
            if compress
            else None
        }
    from numcodecs import Blosc  # type: ignore[import-untyped]

    return {"compressor": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE) if compress else None}


def _write_zarr(
    ds: xr.Dataset,
    tmp: Path,
    progress: ProgressCallback | None,
    compress: bool,
    block_writes: BlockWrites | None = None,
) -> None:
    space = [d for d in ds["spi"].dims if d != "time"]
    row_dim = space[0]
    codec = _zarr_compressor(compress)
    encoding = {}
    for name in ds.data_vars:
        var_chunks = ds[name].chunks
        if not var_chunks:
            continue
        edges = [c[0] for c in var_chunks]
        if ds[name].dims[0] == "month":
            edges[0] = 1  # one calendar month per chunk: a monthly update reads 1/12
        encoding[str(name)] = {"chunks": tuple(edges), **codec}
        ds[name].encoding.pop("chunks", None)
        ds[name].encoding.pop("preferred_chunks", None)
    # Writes the metadata now; the values when the returned delayed is computed.
    whole = ds.to_zarr(tmp, mode="w", compute=False, encoding=encoding, consolidated=False)
    if block_writes is not None:
        compute_together(block_writes(tmp), progress)
        return
    chunks = ds.chunks.get(row_dim) or (ds.sizes[row_dim],)
    columns = int(np.prod([len(ds.chunks.get(d) or (1,)) for d in space[1:]])) or 1
    per_band = max(1, -(-16 // columns))  # about 16 chunks per band: a progress step
    bands = _bands(ds.sizes[row_dim], tuple(chunks), per_band)
    if len(bands) <= 1:  # one progress step: the whole write as it is (no second graph)
        compute_together([whole], progress)
        return
    spatial_vars = [v for v in ds.data_vars if row_dim in ds[v].dims]
    writes = []
    for band in bands:
        part = ds[spatial_vars].isel({row_dim: band})
        part = part.drop_vars([c for c in part.coords if row_dim not in part[c].dims])
        writes.append(
            part.to_zarr(
                tmp, region={str(row_dim): band}, mode="r+", consolidated=False, compute=False
            )
        )
    compute_together(writes, progress)


def _write_netcdf(
    ds: xr.Dataset,
    tmp: Path,
    progress: ProgressCallback | None,
    compress: bool,
) -> None:
    encoding: dict[str, dict[str, Any]] = {}
    for name in ds.data_vars:
        var = ds[name]
        entry: dict[str, Any] = {"zlib": compress}
        if compress:
            entry["complevel"] = 1
            entry["shuffle"] = True
            if var.chunks:
                edges = [c[0] for c in var.chunks]
                if var.dims[0] == "month":
                    edges[0] = 1
                entry["chunksizes"] = tuple(edges)
        else:
            entry["contiguous"] = True
        encoding[str(name)] = entry
        var.encoding.pop("chunksizes", None)
        var.encoding.pop("preferred_chunks", None)
    with _task_counter(progress):
        if active_client() is not None:
            ds.compute().to_netcdf(tmp, encoding=encoding)
        else:
            ds.to_netcdf(tmp, encoding=encoding)
    if progress:
        progress(1, 1)


def open_result(path: Path) -> xr.Dataset:
    """Open an SPI output (Zarr or NetCDF) lazily."""
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"{path}: no such SPI output")
    try:
        if path.is_dir():
            opened: xr.Dataset = xr.open_zarr(path, chunks={}, consolidated=False)
        else:
            from iofs.monitor.drought.read import open_netcdf

            opened = open_netcdf(path)
        return opened
    except Exception as error:
        raise DroughtInputError(f"{path}: not an SPI output ({error})") from None


def open_parameters(path: Path) -> xr.Dataset:
    """The fitted parameters (alpha, beta, prob_zero) of an earlier SPI output."""
    ds = open_result(path)
    if "alpha" not in ds:
        raise DroughtInputError(
            f"{path}: holds no fitted parameters (it was itself computed from saved parameters)",
            field="parameters",
        )
    return ds[["alpha", "beta", "prob_zero"]].assign_attrs(ds.attrs)
