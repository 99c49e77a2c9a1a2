using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using SkiaSharp;
using NextStat.HistFactory.Inference;

namespace NextStat.Cli;

/// <summary>
/// Scan and ranking (impact) plots with OxyPlot: SVG by its pure managed exporter, PNG by its SkiaSharp renderer.
/// </summary>
internal static class Plotting
{
    /// <summary>Checks the --plot file name, and for PNG that the rasteriser can run, before any work is done, so a
    /// typo or a machine without the native library does not waste a long run.</summary>
    public static void CheckPath(string? path)
    {
        if (path is null)
        {
            return;
        }
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".svg":
                return;
            case ".png":
                CheckRasteriser(path);
                return;
            default:
                throw new CliException(ExitCodes.Usage, $"--plot {path}: the file name must end in .png or .svg");
        }
    }

    /// <summary>
    /// Loads SkiaSharp's native library and resolves the plots' font. The library ships with the program (on Linux a
    /// build without system dependencies), but text needs a font file on the machine: that build finds fonts only in
    /// the standard font folder, and with none it silently draws every label as nothing.
    /// </summary>
    private static void CheckRasteriser(string path)
    {
        int glyphs;
        try
        {
            // The family OxyPlot's Skia renderer asks for; a machine without it gets Skia's fallback, as the render will.
            using SKTypeface? face = SKTypeface.FromFamilyName(new PlotModel().DefaultFont);
            glyphs = face?.GlyphCount ?? 0;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            string why = string.Join(' ', Innermost(e).Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            throw new CliException(ExitCodes.Failure,
                $"--plot {path}: PNG output needs SkiaSharp's native library (libSkiaSharp), which could not be loaded: {why} Write .svg instead.", e);
        }
        if (glyphs == 0)
        {
            throw new CliException(ExitCodes.Failure,
                $"--plot {path}: PNG output needs a TrueType font and none was found (install one, e.g. the DejaVu fonts, under /usr/share/fonts); write .svg instead");
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

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
        // Legends without combining accents (θ̂, σ̂): the PNG renderer draws text unshaped, which misplaces them.
        var up = new BarSeries { Title = "θ at +1σ", FillColor = OxyColors.SteelBlue, IsStacked = true, StackGroup = "impact" };
        var down = new BarSeries { Title = "θ at −1σ", FillColor = OxyColors.IndianRed, IsStacked = true, StackGroup = "impact" };
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

    /// <summary>Renders in memory first, so a failed render never leaves a truncated file behind.</summary>
    private static void Export(PlotModel model, string path, int width, int height)
    {
        // Opaque white, not OxyPlot's transparent default: black text on a transparent plot vanishes in dark viewers.
        model.Background = OxyColors.White;
        using var image = new MemoryStream();
        if (Path.GetExtension(path).Equals(".png", StringComparison.OrdinalIgnoreCase))
        {
            // Twice the SVG's layout size in pixels at twice the DPI: the same layout, sharp on slides and screens.
            // Text shaping is off: it needs HarfBuzz's native library, and these labels need no shaping.
            new OxyPlot.SkiaSharp.PngExporter { Width = 2 * width, Height = 2 * height, Dpi = 2 * 96, UseTextShaping = false }.Export(model, image);
        }
        else
        {
            new SvgExporter { Width = width, Height = height }.Export(model, image);
        }
        try
        {
            File.WriteAllBytes(path, image.ToArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"cannot write --plot {path}: {e.Message}", e);
        }
    }
}
