using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
    // Per model (held only while the model lives): its observed-data objective, and idle minimizers per fit options
    // with their evaluators and scratch, so that repeated fits of one model allocate only their results. A fresh
    // minimizer per fit costs more than the fit itself on the larger likelihoods (its m×m scratch lands on the
    // large-object heap above ~100 parameters).
    private static readonly ConditionalWeakTable<IInferenceModel, FitCache> Caches = new();

    /// <summary>
    /// Fits the model to its observed data from the suggested start, with uncertainties from the Hessian; its
    /// rows are computed on <see cref="InferenceOptions.Threads"/> threads (the result does not depend on it).
    /// The observed-data objective is built at the first fit of a model (models are immutable) and kept with it.
    /// </summary>
    public static MleResult Fit(IInferenceModel model, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= InferenceOptions.Default;
        FitOptions fitOptions = options.Fit with { HessianParallelism = options.WorkerCount(int.MaxValue) };
        FitCache cache = Caches.GetValue(model, m => new FitCache(m.ObservedObjective()));
        ConcurrentBag<Minimizer> idle = cache.Idle.GetOrAdd(fitOptions, _ => []);
        Minimizer minimizer = idle.TryTake(out Minimizer? reused) ? reused : new Minimizer(fitOptions);
        FitResult fit = minimizer.Minimize(cache.Observed, model.SuggestedInput());
        idle.Add(minimizer);
        return MleResult.From(model, fit);
    }

    private sealed class FitCache(IObjective observed)
    {
        public IObjective Observed { get; } = observed;

        public ConcurrentDictionary<FitOptions, ConcurrentBag<Minimizer>> Idle { get; } = new();
    }
}
