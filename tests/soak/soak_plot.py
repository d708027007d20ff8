"""soak.csv and the soak's four PNGs (soak.py), drawn by gnuplot (Debian's gnuplot-nox).

Not matplotlib: Debian 12's python3-matplotlib pulls python3-scipy, whose python3-pythran needs
libboost1.74-dev, which conflicts with the libboost1.81-dev that builds Conveyor. Dashed lines
split each plot into the thirds the verdict compares (warm-up, middle, last)."""
import csv
import os
import subprocess

COLUMNS = ["t_s", "rss_mb", "open_files", "db_mb", "dead_tuples", "jobs_kept", "waiting",
           "submitted_per_s", "p99_ms"]
# file, title, y label, [(column, legend)], y2 label or None, [(column, legend)] on y2
PLOTS = [
    ("rss.png", "Server RSS", "MiB", [("rss_mb", "RSS")], None, []),
    ("open_files.png", "Server open files", "descriptors", [("open_files", "open fds")], None, []),
    ("db_size.png", "Database size", "MiB", [("db_mb", "database (SQLite file + -wal, or PG tables)")],
     "jobs / tuples", [("jobs_kept", "jobs kept"), ("dead_tuples", "PG dead tuples")]),
    ("latency_p99.png", "Submit request latency, p99 per window", "ms", [("p99_ms", "p99")],
     "jobs/s", [("submitted_per_s", "submitted jobs/s")]),
]

Y2_COLORS = ["forest-green", "dark-orange"]


def write_csv(rows, path):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in COLUMNS])


def script(csv_path, out_dir, rows):
    end_s = rows[-1]["t_s"]
    present = {c for c in COLUMNS if any(row.get(c) is not None for row in rows)}
    lines = ['set terminal pngcairo size 900,420 font "sans,10"',
             'set datafile separator ","', "set grid", "set key top left",
             'set xlabel "minutes"', "set xrange [0:*]", "set yrange [0:*]"]
    for third in (end_s / 3, 2 * end_s / 3):
        lines.append(f"set arrow from {third / 60:.3f}, graph 0 to {third / 60:.3f}, graph 1 "
                     "nohead dt 2 lc rgb 'gray40'")
    for name, title, ylabel, left, y2label, right in PLOTS:
        lines += [f'set output "{os.path.join(out_dir, name)}"', f'set title "{title}"',
                  f'set ylabel "{ylabel}"']
        if y2label:
            lines += [f'set y2label "{y2label}"', "set y2tics", "set y2range [0:*]"]
        else:
            lines += ["unset y2label", "unset y2tics"]
        # Columns by number (the header row is skipped); a column never sampled (dead tuples
        # on SQLite) is left out rather than drawn empty.
        series = [f"'{csv_path}' every ::1 using ($1/60):{COLUMNS.index(c) + 1} with lines "
                  f"lw 2 title '{legend}'" for c, legend in left if c in present]
        series += [f"'{csv_path}' every ::1 using ($1/60):{COLUMNS.index(c) + 1} axes x1y2 "
                   f"with lines lw 1 lc rgb '{color}' title '{legend}'"
                   for (c, legend), color in zip(right, Y2_COLORS) if c in present]
        lines.append("plot " + ", ".join(series))
    return "\n".join(lines) + "\n"


def plot(rows, out_dir):
    """Writes soak.csv and the PNGs into out_dir."""
    csv_path = os.path.join(out_dir, "soak.csv")
    write_csv(rows, csv_path)
    subprocess.run(["gnuplot"], input=script(csv_path, out_dir, rows), text=True,
                   check=True, capture_output=True, timeout=120)
