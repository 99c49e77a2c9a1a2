using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>One parameter's best-fit value and uncertainty (NaN when not computed).</summary>
public sealed record ParameterEstimate(string Name, double Value, double Uncertainty);

/// <summary>A maximum-likelihood fit of a model to its observed data.</summary>
public sealed record MleResult
{
    /// <summary>The fit underneath (parameters in the model's order, covariance, counters).</summary>
    public required FitResult Fit { get; init; }

    /// <summary>The POI's name, or null for a model without one.</summary>
    public required string? Poi { get; init; }

    /// <summary>Best-fit value of the POI (NaN without a POI).</summary>
    public required double PoiValue { get; init; }

    /// <summary>Uncertainty of the POI (NaN without a POI or without uncertainties).</summary>
    public required double PoiUncertainty { get; init; }

    /// <summary>Every parameter with its name, value and uncertainty.</summary>
    public required IReadOnlyList<ParameterEstimate> Parameters { get; init; }

    /// <summary><c>twice_nll</c> at the best fit.</summary>
    public double TwiceNll => Fit.Value;

    /// <summary>Whether the fit converged.</summary>
    public bool Converged => Fit.Converged;

    /// <summary>Describes a fit result of <paramref name="model"/> by parameter name.</summary>
    public static MleResult From(IInferenceModel model, FitResult fit)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fit);
        var estimates = new ParameterEstimate[model.ParameterNames.Count];
        for (int i = 0; i < estimates.Length; i++)
        {
            double value = i < fit.Parameters.Length ? fit.Parameters[i] : double.NaN;
            double uncertainty = fit.Uncertainties is { } u && i < u.Length ? u[i] : double.NaN;
            estimates[i] = new ParameterEstimate(model.ParameterNames[i], value, uncertainty);
        }

        int poi = model.PoiIndex;
        return new MleResult
        {
            Fit = fit,
            Poi = poi >= 0 ? model.ParameterNames[poi] : null,
            PoiValue = poi >= 0 ? estimates[poi].Value : double.NaN,
            PoiUncertainty = poi >= 0 ? estimates[poi].Uncertainty : double.NaN,
            Parameters = estimates,
        };
    }
}

/// <summary>The maximum-likelihood fit with uncertainties.</summary>
public static class MaximumLikelihood
{
    /// <summary>
    /// Fits the model to its observed data from the suggested start, with uncertainties from the Hessian; its
    /// rows are computed on <see cref="InferenceOptions.Threads"/> threads (the result does not depend on it).
    /// The observed-data objective is built at the first fit of a model and kept with it (<see cref="ObservedFits"/>).
    /// </summary>
    public static MleResult Fit(IInferenceModel model, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= InferenceOptions.Default;
        FitOptions fitOptions = options.Fit with { HessianParallelism = options.WorkerCount(int.MaxValue) };
        ObservedFits.Cache cache = ObservedFits.Of(model);
        Minimizer minimizer = cache.Rent(fitOptions);
        FitResult fit = minimizer.Minimize(cache.Observed, model.SuggestedInput());
        cache.Return(minimizer);
        return MleResult.From(model, fit);
    }
}
