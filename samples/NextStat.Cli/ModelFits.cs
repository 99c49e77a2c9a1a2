using System.Text.Json;
using NextStat.HistFactory;
using NextStat.Kernels.Fitting;

namespace NextStat.Cli;

/// <summary>Fit inputs of a model and the JSON shape of a fit result, shared by the commands.</summary>
internal static class ModelFits
{
    /// <summary>Inits, bounds, fixed flags and names of <paramref name="model"/>.</summary>
    public static FitInput Input(HistFactoryModel model) =>
        new([.. model.Inits], [.. model.LowerBounds], [.. model.UpperBounds], [.. model.Fixed], model.ParameterNames);

    /// <summary>The status name used in JSON.</summary>
    public static string StatusName(FitStatus status) => status switch
    {
        FitStatus.Converged => "converged",
        FitStatus.MaxIterations => "max_iterations",
        FitStatus.MaxEvaluations => "max_evaluations",
        FitStatus.LineSearchFailed => "line_search_failed",
        FitStatus.NotFinite => "not_finite",
        FitStatus.Failed => "failed",
        FitStatus.Unbounded => "unbounded",
        _ => status.ToString(),
    };

    /// <summary>Writes the fit's properties into the current JSON object.</summary>
    public static void Write(Utf8JsonWriter w, HistFactoryModel model, FitResult fit)
    {
        w.Number("twice_nll", fit.Value);
        w.WriteBoolean("converged", fit.Converged);
        w.WriteString("status", StatusName(fit.Status));
        w.WriteString("message", fit.Message);
        if (model.PoiName is { } poi)
        {
            w.WriteString("poi", poi);
            w.Number("poi_hat", fit.Parameters[model.PoiIndex]);
            w.Number("poi_uncertainty", fit.Uncertainties?[model.PoiIndex] ?? double.NaN);
        }
        else
        {
            w.WriteNull("poi");
        }
        w.WriteNumber("iterations", fit.Iterations);
        w.WriteNumber("evaluations", fit.Evaluations);
        w.Number("edm", fit.Edm);
        w.WriteStartArray("parameters");
        for (int i = 0; i < fit.Parameters.Length; i++)
        {
            w.WriteStartObject();
            w.WriteString("name", model.ParameterNames[i]);
            w.Number("value", fit.Parameters[i]);
            w.Number("uncertainty", fit.Uncertainties?[i] ?? double.NaN);
            w.WriteBoolean("fixed", model.Fixed[i]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
