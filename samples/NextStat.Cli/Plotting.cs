using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using NextStat.HistFactory.Inference;

namespace NextStat.Cli;

/// <summary>Scan and ranking (impact) plots with OxyPlot, exported as SVG by its pure managed exporter.</summary>
internal static class Plotting
{
    /// <summary>Checks the --plot file name before any work is done, so a typo does not waste a long run.</summary>
    public static void CheckPath(string? path)
    {
        if (path is null)
        {
            return;
        }
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".png")
        {
            throw new CliException(ExitCodes.Usage,
                $"--plot {path}: PNG output needs a native rasteriser this build does not ship; write .svg (any browser or `rsvg-convert -o plot.png plot.svg` turns it into PNG)");
        }
        if (extension != ".svg")
        {
            throw new CliException(ExitCodes.Usage, $"--plot {path}: the file name must end in .svg");
        }
    }

    /// <summary>Δtwice_nll against the POI.</summary>
    public static void Scan(ScanResult scan, string path)
    {
        var model = new PlotModel { Title = $"Profile likelihood scan of {scan.Poi}" };
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = scan.Poi });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "Δ(−2 ln L)", Minimum = 0 });
        var curve = new LineSeries { Title = "Δtwice_nll", MarkerType = MarkerType.Circle, MarkerSize = 3 };
        foreach (ScanPoint point in scan.Points)
        {
            curve.Points.Add(new DataPoint(point.Mu, point.DeltaTwiceNll));
        }
        model.Series.Add(curve);
        double lo = scan.Points.Min(p => p.Mu), hi = scan.Points.Max(p => p.Mu);
        foreach ((double level, string label) in new[] { (1.0, "68% CL"), (3.84, "95% CL") })
        {
            model.Series.Add(new LineSeries { Title = label, LineStyle = LineStyle.Dash, Points = { new DataPoint(lo, level), new DataPoint(hi, level) } });
        }
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopCenter });
        Export(model, path, 800, 600);
    }

    /// <summary>Post-fit impacts of the top <paramref name="top"/> nuisance parameters, largest at the top.</summary>
    public static void Ranking(RankingResult ranking, string path, int top)
    {
        RankingEntry[] entries = ranking.Entries.Take(top).Reverse().ToArray();
        var model = new PlotModel { Title = $"Impact on {ranking.Poi} (post-fit ±1σ)" };
        var names = new CategoryAxis { Position = AxisPosition.Left, GapWidth = 0.3 };
        foreach (RankingEntry entry in entries)
        {
            names.Labels.Add(entry.Name);
        }
        model.Axes.Add(names);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = $"Δ{ranking.Poi}" });
        var up = new BarSeries { Title = "θ̂ + σ̂", FillColor = OxyColors.SteelBlue, IsStacked = true, StackGroup = "impact" };
        var down = new BarSeries { Title = "θ̂ − σ̂", FillColor = OxyColors.IndianRed, IsStacked = true, StackGroup = "impact" };
        foreach (RankingEntry entry in entries)
        {
            up.Items.Add(new BarItem(Finite(entry.PostfitUp)));
            down.Items.Add(new BarItem(Finite(entry.PostfitDown)));
        }
        model.Series.Add(up);
        model.Series.Add(down);
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        Export(model, path, 900, Math.Max(300, 40 + 24 * entries.Length));
    }

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static void Export(PlotModel model, string path, int width, int height)
    {
        try
        {
            using FileStream stream = File.Create(path);
            new SvgExporter { Width = width, Height = height }.Export(model, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"cannot write --plot {path}: {e.Message}", e);
        }
    }
}
