using System.Globalization;
using NextStat.HistFactory.Inference;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Fitting;

namespace NextStat.Cli;

/// <summary>
/// Toy fits for <c>batch-fit</c>: pseudo-data drawn by <see cref="ToyGenerator"/> at a generation point, then a free
/// fit of each toy from the suggested start. Toy i is <see cref="ToyGenerator.Sample(ulong, long, Span{double}, Span{double})"/>
/// of (run seed, i), the same toy the library's toy studies draw, in a single run, in any shard and after a resume.
/// </summary>
internal sealed class ToyFits(HistFactoryInferenceModel model, ReadOnlySpan<double> generation, ulong runSeed, FitOptions options)
{
    private readonly ToyGenerator _generator = new(model, generation);

    /// <summary>
    /// The generation point: the fit of the observed data with the POI fixed at <paramref name="poiValue"/> (the
    /// conditional MLE, as pyhf's toy calculator uses), or the free fit when the model has no POI.
    /// </summary>
    public static double[] GenerationPoint(HistFactoryInferenceModel model, double poiValue, int threads)
    {
        FitInput input = model.PoiIndex >= 0 ? model.FixedPoiInput(poiValue) : model.SuggestedInput();
        var minimizer = new Minimizer(FitOptions.Default with { ComputeUncertainties = false, HessianParallelism = Math.Max(1, threads) });
        FitResult fit = minimizer.Minimize(model.ObservedObjective(), input);
        if (!fit.Converged)
        {
            string poi = model.PoiIndex >= 0 ? model.ParameterNames[model.PoiIndex] : "the POI";
            throw new CliException(ExitCodes.Failure,
                $"the fit of the observed data at {poi} = {poiValue.ToString(CultureInfo.InvariantCulture)} that sets the toys' generation point did not converge ({fit.Status}: {fit.Message})");
        }
        return fit.Parameters;
    }

    /// <summary>Per-thread state: the minimizer reuses its work memory from toy to toy.</summary>
    public Minimizer CreateScratch() => new(options);

    /// <summary>Draws toy <paramref name="index"/> and fits it (the item seed is recorded by the runner; the toy's
    /// stream is keyed by the run seed and the index, which is the same key).</summary>
    public BatchItemResult Run(long index, ulong itemSeed, Minimizer minimizer)
    {
        FitTask task = _generator.CreateFitTask(runSeed, index);
        FitResult fit = minimizer.Minimize(task.Objective, task.Input);
        return new BatchItemResult
        {
            Status = fit.Status switch
            {
                FitStatus.Converged => BatchItemStatus.Converged,
                FitStatus.Failed => BatchItemStatus.Failed,
                _ => BatchItemStatus.NotConverged,
            },
            TwiceNll = fit.Value,
            Iterations = fit.Iterations,
            Evaluations = fit.Evaluations,
            Values = fit.Parameters,
            Uncertainties = fit.Uncertainties,
            Error = fit.Converged ? null : $"{ModelFits.StatusName(fit.Status)}: {fit.Message}",
        };
    }
}
