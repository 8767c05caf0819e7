using System.Globalization;
using System.Text;

namespace Cortex.Mcp.Fast.Bench.Infrastructure;

/// <summary>
/// Writes a latency percentile spectrum (HdrHistogram style: x = percentile on a log "nines" axis, y = latency)
/// as a small self-contained SVG. No plotting library does this for .NET without a browser, so it is drawn here.
/// </summary>
public static class PercentilePlot
{
    private static readonly string[] s_colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
    private static readonly double[] s_ticks = [0, 90, 99, 99.9, 99.99, 99.999];

    /// <summary>One line: a name and its (percentile, microseconds) points, percentiles in [0, 100).</summary>
    public sealed record Series(string Name, IReadOnlyList<(double Percentile, double Micros)> Points);

    public static string Render(string title, IReadOnlyList<Series> series, int width = 820, int height = 480)
    {
        const int left = 70, right = 170, top = 40, bottom = 50;
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;
        var maxNines = Nines(99.999);
        var maxMicros = Math.Max(1, series.SelectMany(s => s.Points).Select(p => p.Micros).DefaultIfEmpty(1).Max());
        var yMax = NiceCeiling(maxMicros);
        var svg = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(inv, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(inv, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        svg.Append(inv, $"<rect x=\"{left}\" y=\"{top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#888\"/>\n");
        foreach (var tick in s_ticks)
        {
            var x = left + (Nines(tick) / maxNines * plotWidth);
            svg.Append(inv, $"<line x1=\"{x:F1}\" y1=\"{top}\" x2=\"{x:F1}\" y2=\"{top + plotHeight}\" stroke=\"#eee\"/>\n");
            svg.Append(inv, $"<text x=\"{x:F1}\" y=\"{top + plotHeight + 18}\" text-anchor=\"middle\">{tick.ToString(inv)}%</text>\n");
        }

        for (var i = 0; i <= 5; i++)
        {
            var value = yMax * i / 5;
            var y = top + plotHeight - (value / yMax * plotHeight);
            svg.Append(inv, $"<line x1=\"{left}\" y1=\"{y:F1}\" x2=\"{left + plotWidth}\" y2=\"{y:F1}\" stroke=\"#eee\"/>\n");
            svg.Append(inv, $"<text x=\"{left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{value.ToString("0.#", inv)}</text>\n");
        }

        svg.Append(inv, $"<text x=\"{left + (plotWidth / 2)}\" y=\"{height - 10}\" text-anchor=\"middle\">percentile</text>\n");
        svg.Append(inv, $"<text x=\"16\" y=\"{top + (plotHeight / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {top + (plotHeight / 2)})\">latency (µs)</text>\n");
        for (var s = 0; s < series.Count; s++)
        {
            var color = s_colors[s % s_colors.Length];
            var points = string.Join(' ', series[s].Points
                .Where(p => p.Percentile <= 99.999)
                .Select(p => string.Create(inv, $"{left + (Nines(p.Percentile) / maxNines * plotWidth):F1},{top + plotHeight - (Math.Min(p.Micros, yMax) / yMax * plotHeight):F1}")));
            svg.Append(inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            var legendY = top + 16 + (s * 18);
            svg.Append(inv, $"<line x1=\"{left + plotWidth + 12}\" y1=\"{legendY - 4}\" x2=\"{left + plotWidth + 32}\" y2=\"{legendY - 4}\" stroke=\"{color}\" stroke-width=\"3\"/>\n");
            svg.Append(inv, $"<text x=\"{left + plotWidth + 38}\" y=\"{legendY}\">{Escape(series[s].Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Standard percentile spectrum points: dense in the tail.</summary>
    public static IReadOnlyList<(double Percentile, double Micros)> Spectrum(Func<double, double> microsAtPercentile)
    {
        var points = new List<(double, double)>();
        for (var nines = 0.0; nines <= 5.0; nines += 0.05)
        {
            var percentile = 100.0 * (1 - Math.Pow(10, -nines));
            points.Add((percentile, microsAtPercentile(percentile)));
        }

        return points;
    }

    private static double Nines(double percentile) => percentile >= 100 ? 5 : -Math.Log10(1 - (percentile / 100));

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
