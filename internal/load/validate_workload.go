package load

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validatePod(p *corev1.Pod) field.ErrorList {
	return validatePodSpec(&p.Spec, field.NewPath("spec"))
}

// validatePodSpec checks what the analysis reads of a pod: that it has
// containers, their names and their ports.
func validatePodSpec(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), "a pod needs at least one container"))
	}
	names := map[string]bool{}
	check := func(cs []corev1.Container, cp *field.Path) {
		for i := range cs {
			c := &cs[i]
			ip := cp.Index(i)
			switch {
			case c.Name == "":
				errs = append(errs, field.Required(ip.Child("name"), ""))
			case names[c.Name]:
				errs = append(errs, field.Duplicate(ip.Child("name"), c.Name))
			case !dns1123Label(c.Name):
				for _, msg := range validation.IsDNS1123Label(c.Name) {
					errs = append(errs, field.Invalid(ip.Child("name"), c.Name, msg))
				}
			}
			names[c.Name] = true
			errs = append(errs, validateContainerPorts(c.Ports, ip.Child("ports"))...)
		}
	}
	check(spec.InitContainers, p.Child("initContainers"))
	check(spec.Containers, p.Child("containers"))
	return errs
}

func validateContainerPorts(ports []corev1.ContainerPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		ip := p.Index(i)
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(ip.Child("containerPort"), port.ContainerPort, msg))
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(ip.Child("hostPort"), port.HostPort, msg))
			}
		}
		if port.Name != "" && !portName(port.Name) {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(ip.Child("name"), port.Name, msg))
			}
		}
		errs = append(errs, validateProtocol(port.Protocol, ip.Child("protocol"))...)
	}
	return errs
}

// validateProtocol accepts the protocols of the API; empty is defaulted
// to TCP by the server before it validates.
func validateProtocol(proto corev1.Protocol, p *field.Path) field.ErrorList {
	switch proto {
	case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	}
	return field.ErrorList{field.NotSupported(p, proto, []string{"TCP", "UDP", "SCTP"})}
}

// validateTemplate checks a controller's pod template and, when the
// controller has one, its selector: required, valid, not empty, and
// matching the template's labels.
func validateTemplate(sel *metav1.LabelSelector, selectorRequired bool, tmpl *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case sel == nil && selectorRequired:
		errs = append(errs, field.Required(p.Child("selector"), ""))
	case sel != nil:
		errs = append(errs, selector(sel, p.Child("selector"))...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(p.Child("selector"), sel, "empty selector is invalid for a controller"))
		} else if s, err := metav1.LabelSelectorAsSelector(sel); err == nil && !s.Matches(labels.Set(tmpl.Labels)) {
			errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), tmpl.Labels, "`selector` does not match template `labels`"))
		}
	}
	errs = append(errs, metav1validation.ValidateLabels(tmpl.Labels, p.Child("template", "metadata", "labels"))...)
	return append(errs, validatePodSpec(&tmpl.Spec, p.Child("template", "spec"))...)
}

func validateDeployment(d *appsv1.Deployment) field.ErrorList {
	return validateTemplate(d.Spec.Selector, true, &d.Spec.Template, field.NewPath("spec"))
}

func validateStatefulSet(s *appsv1.StatefulSet) field.ErrorList {
	return validateTemplate(s.Spec.Selector, true, &s.Spec.Template, field.NewPath("spec"))
}

func validateDaemonSet(d *appsv1.DaemonSet) field.ErrorList {
	return validateTemplate(d.Spec.Selector, true, &d.Spec.Template, field.NewPath("spec"))
}

func validateReplicaSet(r *appsv1.ReplicaSet) field.ErrorList {
	return validateTemplate(r.Spec.Selector, true, &r.Spec.Template, field.NewPath("spec"))
}

func validateReplicationController(rc *corev1.ReplicationController) field.ErrorList {
	p := field.NewPath("spec")
	if rc.Spec.Template == nil {
		return field.ErrorList{field.Required(p.Child("template"), "")}
	}
	var sel *metav1.LabelSelector
	if len(rc.Spec.Selector) > 0 {
		sel = &metav1.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
	return validateTemplate(sel, false, rc.Spec.Template, p)
}

func validateJob(j *batchv1.Job) field.ErrorList {
	return validateJobSpec(&j.Spec, field.NewPath("spec"))
}

// validateJobSpec checks a Job's template; its selector is generated by
// the server unless manualSelector is set.
func validateJobSpec(spec *batchv1.JobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Selector != nil {
		errs = append(errs, selector(spec.Selector, p.Child("selector"))...)
	}
	errs = append(errs, validateTemplate(nil, false, &spec.Template, p)...)
	switch rp := spec.Template.Spec.RestartPolicy; rp {
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	case "":
		errs = append(errs, field.Required(p.Child("template", "spec", "restartPolicy"), `valid values: "OnFailure", "Never"`))
	default:
		errs = append(errs, field.NotSupported(p.Child("template", "spec", "restartPolicy"), rp, []string{"OnFailure", "Never"}))
	}
	return errs
}

func validateCronJob(c *batchv1.CronJob) field.ErrorList {
	var errs field.ErrorList
	// The Jobs a CronJob creates are named NAME-<11 characters>, and that
	// name must fit a label value.
	if max := validation.DNS1035LabelMaxLength - 11; len(c.Name) > max {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), c.Name, fmt.Sprintf("must be no more than %d characters", max)))
	}
	if c.Spec.Schedule == "" {
		errs = append(errs, field.Required(field.NewPath("spec", "schedule"), ""))
	}
	return append(errs, validateJobSpec(&c.Spec.JobTemplate.Spec, field.NewPath("spec", "jobTemplate", "spec"))...)
}
