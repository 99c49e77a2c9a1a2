using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>
/// One nuisance parameter's pull, constraint and impacts on the POI. Impacts are μ̂(θ fixed) − μ̂; NaN where the fit
/// failed or (pre-fit) where the parameter has no constraint.
/// </summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Index">Its index in the model.</param>
/// <param name="ThetaHat">Best-fit value.</param>
/// <param name="SigmaPostfit">Post-fit uncertainty.</param>
/// <param name="SigmaPrefit">Pre-fit width (NaN when unconstrained).</param>
/// <param name="Pull">(θ̂ − θ₀)/σ_prefit, θ₀ the constraint centre (NaN when unconstrained).</param>
/// <param name="Constraint">σ_postfit/σ_prefit (NaN when unconstrained).</param>
/// <param name="PostfitUp">Impact of θ fixed at θ̂ + σ_postfit.</param>
/// <param name="PostfitDown">Impact of θ fixed at θ̂ − σ_postfit.</param>
/// <param name="PrefitUp">Impact of θ fixed at θ̂ + σ_prefit.</param>
/// <param name="PrefitDown">Impact of θ fixed at θ̂ − σ_prefit.</param>
public sealed record RankingEntry(
    string Name,
    int Index,
    double ThetaHat,
    double SigmaPostfit,
    double SigmaPrefit,
    double Pull,
    double Constraint,
    double PostfitUp,
    double PostfitDown,
    double PrefitUp,
    double PrefitDown)
{
    /// <summary>The larger post-fit impact in magnitude: the sort key of a ranking plot.</summary>
    public double PostfitImpact => Math.Max(Math.Abs(PostfitUp), Math.Abs(PostfitDown));
}

/// <summary>A ranking of nuisance parameters by their post-fit impact on the POI.</summary>
/// <param name="Poi">The POI's name.</param>
/// <param name="Mle">The unconditional fit.</param>
/// <param name="Entries">Sorted by decreasing post-fit impact (ties by model order).</param>
/// <param name="FailedFits">Fits that did not converge (their impacts are still reported, or NaN if they threw).</param>
public sealed record RankingResult(string Poi, MleResult Mle, IReadOnlyList<RankingEntry> Entries, int FailedFits);

/// <summary>
/// Impacts of nuisance parameters: for each free parameter other than the POI, fits with it fixed at θ̂ ± σ̂ (post-fit)
/// and θ̂ ± the pre-fit width (constrained ones), clipped to its bounds, each started from the best fit; all fits of all
/// parameters run as one parallel batch.
/// </summary>
public static class Ranking
{
    /// <summary>Ranks every free nuisance parameter of <paramref name="model"/>.</summary>
    public static RankingResult Run(IInferenceModel model, InferenceOptions? options = null, MleResult? mle = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= InferenceOptions.Default;
        int poi = model.RequirePoi("a ranking");
        mle ??= MaximumLikelihood.Fit(model, options);
        if (mle.Fit.Uncertainties is null || !mle.Converged)
        {
            throw new InvalidOperationException($"a ranking needs a converged best fit with uncertainties; the fit ended with: {mle.Fit.Message}");
        }

        double[] best = mle.Fit.Parameters;
        double[] sigma = mle.Fit.Uncertainties;
        var nps = new List<int>();
        for (int i = 0; i < best.Length; i++)
        {
            if (i != poi && !model.Fixed[i])
            {
                nps.Add(i);
            }
        }

        // Four fits per parameter: post-fit up/down, pre-fit up/down (the last two skipped when unconstrained).
        var tasks = new List<(int Parameter, int Kind, double Value)>();
        foreach (int i in nps)
        {
            double prefit = model.PrefitWidths[i];
            tasks.Add((i, 0, Clip(model, i, best[i] + sigma[i])));
            tasks.Add((i, 1, Clip(model, i, best[i] - sigma[i])));
            if (double.IsFinite(prefit) && prefit > 0)
            {
                tasks.Add((i, 2, Clip(model, i, best[i] + prefit)));
                tasks.Add((i, 3, Clip(model, i, best[i] - prefit)));
            }
        }

        IObjective objective = ObservedFits.Of(model).Observed;
        FitInput suggested = model.SuggestedInput() with { StartCovariance = mle.Fit.Covariance };
        FitBatchOptions batch = options.Batch with { Fit = options.Fit with { ComputeUncertainties = false } };
        FitResult[] fits = FitBatch.Run(tasks.Count, t => new FitTask(objective, suggested.WithFixed(tasks[t].Parameter, tasks[t].Value, best)), batch, cancellationToken);

        var impacts = new Dictionary<int, double[]>();
        int failed = 0;
        for (int t = 0; t < tasks.Count; t++)
        {
            if (!impacts.TryGetValue(tasks[t].Parameter, out double[]? values))
            {
                values = [double.NaN, double.NaN, double.NaN, double.NaN];
                impacts[tasks[t].Parameter] = values;
            }

            FitResult fit = fits[t];
            failed += fit.Converged ? 0 : 1;
            values[tasks[t].Kind] = !fit.HasMinimum ? double.NaN : fit.Parameters[poi] - best[poi];
        }

        var entries = new List<RankingEntry>(nps.Count);
        foreach (int i in nps)
        {
            double prefit = model.PrefitWidths[i];
            bool constrained = double.IsFinite(prefit) && prefit > 0;
            double[] v = impacts[i];
            entries.Add(new RankingEntry(
                model.ParameterNames[i],
                i,
                best[i],
                sigma[i],
                constrained ? prefit : double.NaN,
                constrained ? (best[i] - model.Inits[i]) / prefit : double.NaN,
                constrained ? sigma[i] / prefit : double.NaN,
                v[0],
                v[1],
                v[2],
                v[3]));
        }

        // NaN impacts sort last; the stable sort keeps model order among ties.
        RankingEntry[] sorted = [.. entries.OrderByDescending(e => double.IsNaN(e.PostfitImpact) ? double.NegativeInfinity : e.PostfitImpact)];
        return new RankingResult(model.ParameterNames[poi], mle, sorted, failed);
    }

    private static double Clip(IInferenceModel model, int i, double value) => Math.Clamp(value, model.LowerBounds[i], model.UpperBounds[i]);
}
