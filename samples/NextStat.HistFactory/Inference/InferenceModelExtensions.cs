using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>Fit inputs and data sets derived from an <see cref="IInferenceModel"/>.</summary>
public static class InferenceModelExtensions
{
    /// <summary>
    /// Models with more free parameters than this start their fits from the squared pre-fit widths (see
    /// <see cref="SuggestedInput"/>). Below, the finite-difference Hessian at the start costs at most this many
    /// gradients, and its first Newton step reaches the global minimum of small multi-modal likelihoods (coupled
    /// histosys examples) where descent from a diagonal metric, like MINUIT's, stops in a local one.
    /// </summary>
    public const int StartVariancesAbove = 20;

    /// <summary>
    /// The model's suggested start: inits, bounds, fixed flags and names; for models with more than
    /// <see cref="StartVariancesAbove"/> free parameters also the squared pre-fit widths as start variances, so the
    /// first quasi-Newton steps are scaled by the constraints (unconstrained parameters are measured) instead of by
    /// a finite-difference Hessian at the start, which costs a gradient per parameter and, at the constraint
    /// centres, is often far stiffer than at the minimum (on the ATLAS likelihoods it triples the evaluations).
    /// </summary>
    public static FitInput SuggestedInput(this IInferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var input = new FitInput([.. model.Inits], [.. model.LowerBounds], [.. model.UpperBounds], [.. model.Fixed], model.ParameterNames);
        return model.Fixed.Count(f => !f) > StartVariancesAbove
            ? input with { StartVariances = [.. model.PrefitWidths.Select(w => w * w)] }
            : input;
    }

    /// <summary>The index of the POI, or a clear error for a model without one.</summary>
    public static int RequirePoi(this IInferenceModel model, string procedure)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.PoiIndex >= 0
            ? model.PoiIndex
            : throw new InvalidOperationException($"{procedure} needs a parameter of interest, and the model's measurement names none");
    }

    /// <summary>The objective on the observed data.</summary>
    public static IObjective ObservedObjective(this IInferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.CreateObjective([.. model.ObservedMainData], [.. model.ObservedAuxData]);
    }

    /// <summary>
    /// A fit input with the POI fixed at <paramref name="mu"/>, the other parameters starting from
    /// <paramref name="start"/> (the suggested inits when null).
    /// </summary>
    public static FitInput FixedPoiInput(this IInferenceModel model, double mu, double[]? start = null)
    {
        int poi = model.RequirePoi("a fixed-POI fit");
        return model.SuggestedInput().WithFixed(poi, mu, start);
    }

    /// <summary>The expected main and aux data at <paramref name="parameters"/>: the Asimov data set of that point.</summary>
    public static (double[] Main, double[] Aux) ExpectedData(this IInferenceModel model, ReadOnlySpan<double> parameters)
    {
        ArgumentNullException.ThrowIfNull(model);
        double[] main = new double[model.ObservedMainData.Count];
        double[] aux = new double[model.ObservedAuxData.Count];
        model.ExpectedMainData(parameters, main);
        model.ExpectedAuxData(parameters, aux);
        return (main, aux);
    }
}
